using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Ttm.Grains;
using Ttm.Hosting;
using Ttm.Silo.Options;
using Ttm.Silo.Placement;
using Ttm.Silo.Telemetry;

namespace Ttm.Silo.Hosting;

/// <summary>
/// A silo's probes on its HTTP port (anonymous, they say only healthy or not and why): <c>/healthz/startup</c> (an
/// accelerator's networks loaded), <c>/healthz/ready</c> (active in the cluster's membership, and for an accelerator
/// its networks loaded and its device thread alive), <c>/healthz/live</c> (the device thread, once started, still runs).
/// </summary>
public static class SiloHealth
{
    const string Startup = HealthProbes.Startup, Ready = HealthProbes.Ready, Live = HealthProbes.Live;

    public static IServiceCollection AddSiloHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<MembershipCheck>("membership", tags: [Ready])
            .AddCheck<AcceleratorCheck>("accelerator", tags: [Startup, Ready])
            .AddCheck<DeviceThreadCheck>("device-thread", tags: [Live, Ready])
            .AddCheck<DeviceProgressCheck>("device-progress", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapSiloHealth(this IEndpointRouteBuilder endpoints)
    {
        foreach (var probe in HealthProbes.All)
            endpoints.MapHealthChecks(HealthProbes.PathOf(probe), new HealthCheckOptions { Predicate = c => c.Tags.Contains(probe) });
        return endpoints;
    }

    /// <summary>Active in the cluster's membership table: other silos and the gateways can reach its grains.</summary>
    sealed class MembershipCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
            return Task.FromResult(status == SiloStatus.Active
                ? HealthCheckResult.Healthy("active in the cluster")
                : HealthCheckResult.Unhealthy($"the silo is {status} in the cluster's membership"));
        }
    }

    /// <summary>An accelerator that loads its networks at start is ready once they are loaded; a plain silo has none.</summary>
    sealed class AcceleratorCheck(SiloRole role, LoadedModels loaded, IOptions<SiloOptions> options) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(!role.IsAccelerator ? HealthCheckResult.Healthy("a plain silo loads no networks")
                : loaded.Models is not null ? HealthCheckResult.Healthy("networks loaded")
                : !options.Value.LoadModelsAtStart ? HealthCheckResult.Healthy("networks load at the first device work (Ttm:LoadModelsAtStart is off)")
                : loaded.LoadError is { } error ? HealthCheckResult.Unhealthy($"loading the networks failed: {error}")
                : HealthCheckResult.Unhealthy("loading the networks"));
    }

    /// <summary>A device thread that was started and died: the silo cannot compute and should be restarted.</summary>
    sealed class DeviceThreadCheck(LoadedModels loaded) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(loaded.Models is not { } models ? HealthCheckResult.Healthy("no device thread yet")
                : models.Device.IsRunning ? HealthCheckResult.Healthy($"device {models.Device.Name} running")
                : HealthCheckResult.Unhealthy($"the device thread of {models.Device.Name} stopped"));
    }

    /// <summary>A device that is alive but makes no progress (hung, or failing every pass) takes no more work: not ready.</summary>
    sealed class DeviceProgressCheck(LoadedModels loaded, IOptions<SiloOptions> options) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(loaded.Models is not { } models ? HealthCheckResult.Healthy("no device yet")
                : models.Device.Stalled(TimeSpan.FromSeconds(options.Value.DeviceStallSeconds)) is { } why ? HealthCheckResult.Unhealthy(why)
                : models.SegmentationWorker != models.Device && models.SegmentationWorker.Stalled(TimeSpan.FromSeconds(options.Value.DeviceStallSeconds)) is { } segmenter
                    ? HealthCheckResult.Unhealthy(segmenter)
                : HealthCheckResult.Healthy($"device {models.Device.Name} makes progress"));
    }
}
