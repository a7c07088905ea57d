using Ttm.Grains;

namespace Ttm.Gateway;

/// <summary>The gateway's wiring, shared by its own host and the embedded (silo + gateway) mode.</summary>
public static class GatewayExtensions
{
    public static IServiceCollection AddTtmGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddGrpc(options => options.MaxReceiveMessageSize = GenerationRequestValidator.MaxImageBytes + 64 * 1024);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck("generation", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
        services.AddSingleton<IArtifactStore>(_ => new DirectoryArtifactStore(configuration["Ttm:Artifacts"] ?? Path.Combine("artifacts", "store")));
        return services;
    }

    public static WebApplication MapTtmGateway(this WebApplication app)
    {
        app.MapGrpcService<GenerationService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        return app;
    }
}
