using System.Security.Claims;
using Grpc.Core;

namespace Ttm.Gateway.Tenants;

/// <summary>The tenant of an authenticated call: one claim, set only by the tenant schemes (an API key, a JWT's configured claim).</summary>
public static class TenantClaims
{
    public const string Tenant = "ttm:tenant";

    /// <summary>The caller's tenant; the authorization policy has already refused calls without one.</summary>
    public static string TenantOf(this ServerCallContext context) => context.GetHttpContext().TenantOf();

    /// <summary>The one tenant of the call: a principal naming none, two, or a name outside <see cref="TenantNames"/>'s pattern is no tenant's.</summary>
    public static string TenantOf(this HttpContext context)
    {
        var tenants = context.User.FindAll(Tenant).Select(c => c.Value).Distinct().ToList();
        return tenants is [var tenant] && TenantNames.IsValid(tenant)
            ? tenant
            : throw GenerationErrors.NoTenant(tenants.Count == 0 ? "This call carries no tenant credential." : "This call's credential names no single valid tenant.");
    }
}
