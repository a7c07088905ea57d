using System.Runtime.CompilerServices;
using Orleans.Concurrency;

namespace Ttm.Grains;

/// <summary>
/// Keeps each silo's latest report and serves the cluster view. Reentrant: a watcher waiting for its next tick
/// must not hold up the silos' reports (all state changes happen within single turns).
/// </summary>
[Reentrant]
public sealed class OpsMonitorGrain(TimeProvider clock) : Grain, IOpsMonitorGrain
{
    /// <summary>A silo silent for this long is left out of the view.</summary>
    public static readonly TimeSpan Stale = TimeSpan.FromSeconds(15);
    readonly Dictionary<string, SiloReport> reports = [];

    public Task ReportAsync(SiloReport report)
    {
        reports[report.Silo] = report;
        return Task.CompletedTask;
    }

    public Task<ClusterView> GetAsync() => Task.FromResult(View());

    public async IAsyncEnumerable<ClusterView> WatchAsync(TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var period = interval < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : interval;
        while (!cancellationToken.IsCancellationRequested)
        {
            yield return View();
            await Task.Delay(period, clock, cancellationToken);
        }
    }

    ClusterView View()
    {
        var now = clock.GetUtcNow();
        foreach (var silent in reports.Values.Where(r => now - r.At > Stale).ToList()) reports.Remove(silent.Silo);
        var silos = reports.Values.OrderBy(r => r.Role).ThenBy(r => r.Silo).ToList();
        return new ClusterView(now, silos,
            silos.Sum(s => s.ActiveByStage.Values.Sum()),
            silos.Sum(s => s.Queue?.Depth ?? 0));
    }
}
