using Microsoft.AspNetCore.Authentication;
using Orleans.Dashboard;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Ttm.Gateway.Hosting;
using Ttm.Gateway.Ops;
using Ttm.Gateway.Tenants;
using Ttm.Gateway.Videos;
using Ttm.Grains;
using Ttm.Hosting;

namespace Ttm.Gateway;

/// <summary>The gateway's wiring, shared by its own host and the embedded (silo + gateway) mode.</summary>
public static class GatewayExtensions
{
    public static IServiceCollection AddTtmGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = GenerationLimits.MaxImageBytes + 64 * 1024;
            options.Interceptors.Add<RefusalInterceptor>();
        });
        // Kestrel's own bound (30 MB by default) above the largest request, so the gRPC and REST limits answer with their own status.
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = GenerationLimits.MaxImageBytes + 1024 * 1024);
        services.AddGrpcReflection();
        // gRPC health and /healthz/ready: a silo answers (in the embedded mode also the co-hosted silo's own checks).
        services.AddGrpcHealthChecks().AddCheck<ClusterReachableCheck>("cluster", tags: [HealthProbes.Ready]);
        services.AddSingleton<EventMessages>();
        services.AddSingleton<TenantGenerations>();
        services.AddSingleton<UploadBudget>(_ => new UploadBudget());
        // REST for apps: snake_case JSON as the OpenAI-style API writes it, binding failures answered as JSON errors, the OpenAPI document.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, RestAuthorizationResults>();
        services.AddOpenApi(openApi =>
        {
            openApi.ShouldInclude = d => d.RelativePath?.StartsWith(VideosApi.Prefix[1..], StringComparison.Ordinal) == true;
            openApi.AddDocumentTransformer<VideosOpenApi>();
        });
        services.AddArtifactStore();
        services.AddValidatedOptions<OpsOptions, OpsOptionsValidator>(configuration.GetSection(OpsOptions.Section));

        // Tenants: API keys or JWT; every GenerationService call is one tenant's.
        services.AddTenantAuthentication(configuration);
        services.AddTenantRateLimits();
        // Operations: Basic-authenticated operators (the host's telemetry, Ttm.Hosting, gives /metrics its meters).
        services.AddSingleton<OpsSignInThrottle>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, OpsAuthentication>(OpsAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(OpsAuthentication.Policy, policy =>
            policy.AddAuthenticationSchemes(OpsAuthentication.SchemeName).RequireAuthenticatedUser());
        return services;
    }

    /// <param name="opsPort">the operations listener: /metrics and /dashboard answer there only (and only to operators)</param>
    /// <param name="httpPort">the apps' HTTP/1.1 listener: the REST videos API, /openapi.json and the live page answer there only</param>
    public static WebApplication MapTtmGateway(this WebApplication app, int? opsPort, int? httpPort)
    {
        app.UseRouting();
        app.UseListenerPorts();
        app.UseWhen(c => c.Request.Path.StartsWithSegments(VideosApi.Prefix), rest => rest.Use(RestErrors.BadRequestsAsJson));
        app.UseAuthentication(); // the tenant scheme is the default: the limiter below sees the caller's tenant
        app.UseRateLimiter(); // before authorization: calls it will refuse (no credential) are limited per address too
        app.UseAuthorization();
        app.MapGrpcService<GenerationService>().RequireRateLimiting(TenantRateLimits.Policy);
        app.MapGrpcReflectionService().RequireAuthorization(TenantAuthentication.Policy).RequireRateLimiting(TenantRateLimits.Policy); // lists OpsService: tenants only
        app.MapGrpcHealthChecksService();
        app.MapGrpcService<OpsService>();
        if (httpPort is int http)
        {
            app.MapVideosApi().OnListener(http);
            app.MapOpenApi("/openapi.json").OnListener(http);
            app.MapLivePage().OnListener(http);
        }
        if (opsPort is int port)
        {
            foreach (var probe in HealthProbes.All) // anonymous: the kubelet has no credential, and they say only Healthy or Unhealthy
                app.MapHealthChecks(HealthProbes.PathOf(probe), new HealthCheckOptions { Predicate = c => c.Tags.Contains(probe) }).OnListener(port);
            app.MapOrleansDashboard("/dashboard").RequireAuthorization(OpsAuthentication.Policy).OnListener(port);
            app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(OpsAuthentication.Policy).OnListener(port);
        }
        return app;
    }
}
