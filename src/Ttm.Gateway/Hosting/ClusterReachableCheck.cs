using Microsoft.Extensions.Diagnostics.HealthChecks;
using Ttm.Grains;

namespace Ttm.Gateway.Hosting;

/// <summary>A gateway is ready when a silo answers it: the ops monitor grain's view comes back within a few seconds.</summary>
public sealed class ClusterReachableCheck(IClusterClient cluster) : IHealthCheck
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var view = await cluster.GetGrain<IOpsMonitorGrain>(0).GetAsync().WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy($"the cluster answers ({view.Silos.Count} silos reporting)");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"no silo answered within {Timeout.TotalSeconds:F0} s: {e.Message}");
        }
    }
}
