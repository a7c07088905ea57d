using Microsoft.AspNetCore.Authentication;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Ttm.Gateway.Ops;
using Ttm.Grains;

namespace Ttm.Gateway;

/// <summary>The gateway's wiring, shared by its own host and the embedded (silo + gateway) mode.</summary>
public static class GatewayExtensions
{
    public static IServiceCollection AddTtmGateway(this IServiceCollection services)
    {
        services.AddGrpc(options => options.MaxReceiveMessageSize = GenerationLimits.MaxImageBytes + 64 * 1024);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck("generation", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
        services.AddSingleton<EventMessages>();
        services.AddArtifactStore();
        services.AddOptions<OpsOptions>().BindConfiguration(OpsOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.User), "Ttm:Ops:User cannot be empty.").ValidateOnStart();

        // Operations: Basic-authenticated operators; metrics (the silo adds its meters when co-hosted) for Prometheus.
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, OpsAuthentication>(OpsAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(OpsAuthentication.Policy, policy =>
            policy.AddAuthenticationSchemes(OpsAuthentication.SchemeName).RequireAuthenticatedUser());
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.Orleans")
            .AddPrometheusExporter());
        return services;
    }

    public static WebApplication MapTtmGateway(this WebApplication app)
    {
        app.MapGrpcService<GenerationService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGrpcService<OpsService>();
        app.MapOrleansDashboard("/dashboard").RequireAuthorization(OpsAuthentication.Policy);
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
