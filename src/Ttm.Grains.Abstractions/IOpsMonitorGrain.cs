namespace Ttm.Grains;

/// <summary>
/// The one ops monitor (key 0): silos report to it periodically; operators read or follow the cluster view.
/// A silo that stops reporting drops out of the view.
/// </summary>
public interface IOpsMonitorGrain : IGrainWithIntegerKey
{
    Task ReportAsync(SiloReport report);
    Task<ClusterView> GetAsync();
    /// <summary>The view now, then every <paramref name="interval"/> until the caller leaves.</summary>
    IAsyncEnumerable<ClusterView> WatchAsync(TimeSpan interval, CancellationToken cancellationToken = default);
}
