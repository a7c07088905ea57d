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
            var policies = context.RequestServices.GetRequiredService<IOptions<TenantPolicyOptions>>().Value;
            if (tenant is null)
            {
                // No tenant: authorization refuses the call, but a flood of refusals costs too; limited per client address.
                var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter($"anonymous {address}", _ => new FixedWindowRateLimiterOptions
                    { PermitLimit = policies.AnonymousRequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            }
            var perMinute = policies.For(tenant).RequestsPerMinute ?? 0;
            return perMinute <= 0
                ? RateLimitPartition.GetNoLimiter(tenant)
                : RateLimitPartition.GetFixedWindowLimiter(tenant, _ => new FixedWindowRateLimiterOptions
                    { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
        });
        // A gRPC client reads the status from grpc-status, not the HTTP code: answer trailers-only, as a gRPC server would;
        // REST gets 429 with the JSON error.
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            var after = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
            var refusal = GenerationErrors.Exhausted("requests per minute", context.HttpContext.User.FindFirstValue(TenantClaims.Tenant) is null
                ? "Over the requests per minute of calls without a tenant credential from this address."
                : "Over this tenant's requests per minute.", after);
            if (context.HttpContext.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
                RefusalInterceptor.WriteTrailersOnly(context.HttpContext.Response, refusal);
            else
                await Videos.RestErrors.ToResult(refusal, context.HttpContext).ExecuteAsync(context.HttpContext);
        };
    });
}
