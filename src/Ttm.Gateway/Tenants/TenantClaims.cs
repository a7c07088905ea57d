using System.Security.Claims;
using Grpc.Core;

namespace Ttm.Gateway.Tenants;

/// <summary>The tenant of an authenticated call: one claim, set only by the tenant schemes (an API key, a JWT's configured claim).</summary>
public static class TenantClaims
{
    public const string Tenant = "ttm:tenant";

    /// <summary>The caller's tenant; the authorization policy has already refused calls without one.</summary>
    public static string TenantOf(this ServerCallContext context) => context.GetHttpContext().TenantOf();

    public static string TenantOf(this HttpContext context) =>
        context.User.FindFirstValue(Tenant) ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "This call carries no tenant credential."));
}
