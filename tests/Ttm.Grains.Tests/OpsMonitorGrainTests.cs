using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Ttm.Contracts;
using Ttm.Hosting;

namespace Ttm.Grains.Tests;

/// <summary>The ops monitor: silos' reports make the cluster view, a watcher follows it, and new generations learn their company.</summary>
public sealed class OpsMonitorGrainTests : IAsyncLifetime
{
    InProcessTestCluster cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage("generations").UseInMemoryReminderService();
            silo.Services.AddSingleton<IGenerationRunner>(new ScriptedRunner());
            silo.Services.AddSingleton<IGenerationEventLog, MemoryGenerationEventLog>();
            silo.Services.AddSingleton<IGenerationIndex, MemoryGenerationIndex>();
            silo.Services.AddSingleton<IArtifactStore>(new DirectoryArtifactStore(Path.Combine(Path.GetTempPath(), "ttm-grains-unused-store")));
        });
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    static SiloReport Report(string silo, int motion, int queued, DateTimeOffset? at = null) => new(silo, "accelerator", "cpu:0", at ?? DateTimeOffset.UtcNow,
        "no GPU", [], new DeviceQueueStatus("cpu:0", queued, new Dictionary<string, int> { ["a"] = queued }, 8, 10, 25, 2.5, 0.05),
        new Dictionary<string, int> { ["motion"] = motion }, new Dictionary<string, int> { ["a"] = motion });

    [Fact]
    public async Task TheView_SumsTheLatestReportOfEverySilo_AndLeavesOutSilentOnes()
    {
        var monitor = cluster.Client.GetGrain<IOpsMonitorGrain>(0);
        await monitor.ReportAsync(Report("silo-1", motion: 1, queued: 4));
        await monitor.ReportAsync(Report("silo-2", motion: 2, queued: 1));
        await monitor.ReportAsync(Report("silo-1", motion: 3, queued: 2)); // replaces silo-1's first report
        await monitor.ReportAsync(Report("silo-3", motion: 9, queued: 9, at: DateTimeOffset.UtcNow - OpsMonitorGrain.Stale - TimeSpan.FromSeconds(1)));

        var view = await monitor.GetAsync();
        Assert.Equal(["silo-1", "silo-2"], view.Silos.Select(s => s.Silo));
        Assert.Equal(5, view.GenerationsInFlight);
        Assert.Equal(3, view.QueueDepth);
    }

    [Fact]
    public async Task AWatcher_SeesNewReports_WhileReportsKeepArriving()
    {
        var monitor = cluster.Client.GetGrain<IOpsMonitorGrain>(0);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var views = new List<ClusterView>();
        await foreach (var view in monitor.WatchAsync(TimeSpan.FromMilliseconds(100), timeout.Token).WithCancellation(timeout.Token))
        {
            views.Add(view);
            if (views.Count == 1) await monitor.ReportAsync(Report("silo-w", motion: 2, queued: 0)); // not blocked by the waiting watcher
            if (view.Silos.Any(s => s.Silo == "silo-w")) break;
        }
        Assert.Contains(views[^1].Silos, s => s.Silo == "silo-w");
    }

    [Fact]
    public async Task AnAcceptedGeneration_IsToldHowManyGenerationsItSharesTheDevicesWith()
    {
        await cluster.Client.GetGrain<IOpsMonitorGrain>(0).ReportAsync(Report("silo-busy", motion: 3, queued: 6));
        var grain = cluster.Client.GetGrain<IGenerationGrain>("g-company");
        await grain.StartAsync(new GenerationSpec("tenant-a", "images/x.png", "The red square moves right.", 1, 4, 4, 1.5f, 3f, 1.5f, 3f, 2, 64, [VideoFormat.Mp4], [], "d", null));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var events = grain.WatchAsync(0, timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(3, Assert.IsType<GenerationAccepted>(events.Current.Update).QueuePosition);
    }
}
