using Microsoft.AspNetCore.Authentication;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Ttm.Gateway.Hosting;
using Ttm.Gateway.Ops;
using Ttm.Gateway.Tenants;
using Ttm.Grains;

namespace Ttm.Gateway;

/// <summary>The gateway's wiring, shared by its own host and the embedded (silo + gateway) mode.</summary>
public static class GatewayExtensions
{
    public static IServiceCollection AddTtmGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddGrpc(options => options.MaxReceiveMessageSize = GenerationLimits.MaxImageBytes + 64 * 1024);
        services.AddGrpcReflection();
        // gRPC health and /healthz/ready: a silo answers (in the embedded mode also the co-hosted silo's own checks).
        services.AddGrpcHealthChecks().AddCheck<ClusterReachableCheck>("cluster", tags: [HealthProbes.Ready]);
        services.AddSingleton<EventMessages>();
        services.AddArtifactStore();
        services.AddOptions<OpsOptions>().BindConfiguration(OpsOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.User), "Ttm:Ops:User cannot be empty.").ValidateOnStart();

        // Tenants: API keys or JWT; every GenerationService call is one tenant's.
        services.AddTenantAuthentication(configuration);
        services.AddTenantRateLimits();
        // Operations: Basic-authenticated operators; metrics (the silo adds its meters when co-hosted) for Prometheus.
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, OpsAuthentication>(OpsAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(OpsAuthentication.Policy, policy =>
            policy.AddAuthenticationSchemes(OpsAuthentication.SchemeName).RequireAuthenticatedUser());
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.Orleans")
            .AddPrometheusExporter());
        return services;
    }

    /// <param name="opsPort">the operations listener: /metrics and /dashboard answer there only (and only to operators)</param>
    public static WebApplication MapTtmGateway(this WebApplication app, int? opsPort)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter(); // after authorization: the limiter partitions by the authenticated tenant
        app.MapGrpcService<GenerationService>().RequireRateLimiting(TenantRateLimits.Policy);
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        app.MapGrpcService<OpsService>();
        if (opsPort is int port)
        {
            foreach (var probe in HealthProbes.All) // anonymous: the kubelet has no credential, and they say only Healthy or Unhealthy
                app.MapHealthChecks(HealthProbes.PathOf(probe), new HealthCheckOptions { Predicate = c => c.Tags.Contains(probe) }).RequireHost($"*:{port}");
            app.MapOrleansDashboard("/dashboard").RequireAuthorization(OpsAuthentication.Policy).RequireHost($"*:{port}");
            app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(OpsAuthentication.Policy).RequireHost($"*:{port}");
        }
        return app;
    }
}
