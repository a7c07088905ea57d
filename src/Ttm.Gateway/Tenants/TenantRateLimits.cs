using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ttm.Gateway.Tenants;

/// <summary>
/// Requests per minute per tenant on each gateway (ASP.NET Core rate limiting, partitioned by the authenticated tenant, so
/// a tenant gains nothing by naming itself differently). Over it: gRPC RESOURCE_EXHAUSTED with a retry-after.
/// </summary>
public static class TenantRateLimits
{
    public const string Policy = "tenant-requests";

    public static IServiceCollection AddTenantRateLimits(this IServiceCollection services) => services.AddRateLimiter(limiter =>
    {
        limiter.AddPolicy(Policy, context =>
        {
            var tenant = context.User.FindFirstValue(TenantClaims.Tenant);
            var perMinute = tenant is null ? 0 : context.RequestServices.GetRequiredService<IOptions<TenantPolicyOptions>>().Value.For(tenant).RequestsPerMinute ?? 0;
            return tenant is null || perMinute <= 0
                ? RateLimitPartition.GetNoLimiter("") // no tenant: authorization refuses the call anyway
                : RateLimitPartition.GetFixedWindowLimiter(tenant, _ => new FixedWindowRateLimiterOptions
                    { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
        });
        // A gRPC client reads the status from grpc-status, not the HTTP code: answer trailers-only, as a gRPC server would;
        // REST gets 429 with the JSON error.
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            var response = context.HttpContext.Response;
            int retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 60;
            var message = $"Over this tenant's requests per minute; retry after {retry} s.";
            response.Headers["ttm-limit"] = "requests per minute";
            response.Headers.RetryAfter = retry.ToString();
            if (context.HttpContext.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
            {
                await Videos.RestErrors.Result(Grpc.Core.StatusCode.ResourceExhausted, message).ExecuteAsync(context.HttpContext);
                return;
            }
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.ResourceExhausted).ToString();
            response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        };
    });
}
