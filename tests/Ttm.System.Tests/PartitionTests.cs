using Ttm.Cli.Cluster;
using Ttm.Hosting;
using Ttm.Protos.V1;
using Xunit.Abstractions;

namespace Ttm.System.Tests;

/// <summary>
/// Partitions, not kills: a cluster of real processes (one Redis, one plain and two accelerator silos, each silo in a
/// network namespace of its own, a gateway) where one silo is cut off while ten generations from two tenants run, and
/// the cut later heals. Every generation must end (completed, or failed with a code), and the history checker must find
/// no gap, no duplicate, no lost acknowledged event and no entry written by the cut-off side after it was replaced. It
/// needs root and iproute2: without them it fails, saying so. Each test stops its processes by PID and removes its
/// namespaces, links and folder, whatever happened.
/// </summary>
public sealed class PartitionTests(ITestOutputHelper output) : IAsyncLifetime
{
    static readonly string Cli = Path.Combine(ServerFixture.Root, "src", "Ttm.Cli", "bin", "Release", "net10.0", "linux-x64", "ttm.dll");
    static readonly byte[] Sample = File.ReadAllBytes(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));

    readonly string folder = Directory.CreateTempSubdirectory("ttm-partition-").FullName;
    NamespaceNetwork? network;
    LocalCluster? cluster;

    public async Task InitializeAsync()
    {
        network = await NamespaceNetwork.CreateAsync();
        cluster = await LocalCluster.StartRedisAsync(folder, program: Cli, network: network);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (cluster is not null)
            {
                foreach (var p in cluster.Processes) output.WriteLine($"--- {p.Name} (pid {p.Pid}, exit {p.ExitCode?.ToString() ?? "running"})\n{p.Tail(15)}");
                await cluster.DisposeAsync();
            }
        }
        finally
        {
            try { if (network is not null) await network.DisposeAsync(); }
            finally { Directory.Delete(folder, recursive: true); }
        }
    }

    [Fact]
    public async Task AnAcceleratorCutOffMidStage_HealedAfterItWasDeclaredDead_WritesNoHistoryAfterItsReplacement()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var (followers, runs) = await StartAsync(timeout.Token);
        await UntilAsync(() => followers.Any(f => f.Events.Any(e => e.MotionPreview is not null)), runs, "a motion preview", timeout.Token);

        var accelerator = cluster!.Processes.Where(p => p.Name.StartsWith("accelerator", StringComparison.Ordinal))
            .MaxBy(s => ClusterFailureBenchmark.Served(s, followers, "accelerator").Count)!;
        var cutAt = DateTimeOffset.UtcNow;
        await network!.Isolate(accelerator.Network!, timeout.Token);
        output.WriteLine($"{cutAt:HH:mm:ss.fff} cut {accelerator.Name} ({accelerator.Network!.Address}) off from everything, {followers.Count(f => !f.Ended)} generations running");

        // The partition holds until the others have declared it dead, then heals: the cut-off side comes back to a cluster that replaced it.
        while (!await cluster.DeclaredDeadAsync(accelerator))
        {
            Assert.True(DateTimeOffset.UtcNow - cutAt < TimeSpan.FromSeconds(90), $"{accelerator.Name} was not declared dead within 90 s of the cut");
            await Task.Delay(250, timeout.Token);
        }
        output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {accelerator.Name} declared dead {(DateTimeOffset.UtcNow - cutAt).TotalSeconds:F1} s after the cut; healing");
        await network.Heal(accelerator.Network!, timeout.Token);

        await EndsSoundAsync(followers, runs, timeout.Token);
    }

    [Fact]
    public async Task ASiloHoldingGrainsCutOffFromRedisOnly_StallsItsGenerations_AndTheyEndSoundAfterTheCutHeals()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var (followers, runs) = await StartAsync(timeout.Token);
        await UntilAsync(() => followers.Count(f => f.Events.Any(e => e.MotionPreview is not null)) >= 2, runs, "two motion previews", timeout.Token);

        var holder = cluster!.Processes.Where(p => p.Network is not null).MaxBy(s => ClusterFailureBenchmark.Served(s, followers, "grain-holder").Count)!;
        var cutAt = DateTimeOffset.UtcNow;
        await network!.CutFrom(holder.Network!, network.RedisAddress, timeout.Token);
        output.WriteLine($"{cutAt:HH:mm:ss.fff} cut {holder.Name} ({holder.Network!.Address}) off from Redis only, "
            + $"{ClusterFailureBenchmark.Served(holder, followers, "grain-holder").Count} of its generations, {followers.Count(f => !f.Ended)} running");

        // Held for less than the log's allowance for a lost Redis (RedisFailover.Allowance): its appends wait, then go on.
        await Task.Delay(TimeSpan.FromSeconds(20), timeout.Token);
        await network.Heal(holder.Network!, timeout.Token);
        output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} healed");

        await EndsSoundAsync(followers, runs, timeout.Token);
    }

    /// <summary>A plain and two accelerator silos, a gateway, and ten generations from two tenants following their events.</summary>
    async Task<(List<GenerationFollower>, List<Task>)> StartAsync(CancellationToken cancellationToken)
    {
        cluster!.DeviceThreads = 1;
        await cluster.StartSiloAsync("plain", cancellationToken);
        await cluster.StartSiloAsync("accelerator", cancellationToken);
        await cluster.StartSiloAsync("accelerator", cancellationToken);
        int port = LocalCluster.FreePort();
        await cluster.StartGatewayAsync(port, cancellationToken);
        var keys = new[] { await cluster.TenantKeyAsync("tenant-a"), await cluster.TenantKeyAsync("tenant-b") };
        var followers = Enumerable.Range(0, 10).Select(i => new GenerationFollower(
            ClusterFailureBenchmark.Request(Sample, i, steps: 4, $"partition-{i}"), $"tenant-{"ab"[i % 2]}", keys[i % 2], () => port)).ToList();
        return (followers, followers.Select(f => f.RunAsync(cancellationToken)).ToList());
    }

    static async Task UntilAsync(Func<bool> condition, List<Task> runs, string what, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            Assert.False(runs.All(r => r.IsCompleted), $"every generation ended before {what}");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Every generation ends (completed, or failed with a code), and the history holds no gap, duplicate, lost or fenced write.</summary>
    async Task EndsSoundAsync(List<GenerationFollower> followers, List<Task> runs, CancellationToken cancellationToken)
    {
        await Task.WhenAll(runs).WaitAsync(cancellationToken);
        foreach (var f in followers)
            output.WriteLine($"{f.Id} ({f.Tenant}): {f.Events.Count} events, {f.Reconnects} reconnects, ended {f.Last?.EventCase} {f.Last?.Failed?.Code} {f.Last?.Failed?.Message}");
        foreach (var p in cluster!.Processes)
            foreach (var line in p.Output().Where(l => l.Contains("refused writer", StringComparison.Ordinal)))
                output.WriteLine($"{p.Name}: {line}");
        Assert.All(followers, f => Assert.True(f.Last?.EventCase == GenerationEvent.EventOneofCase.Completed
            || f.Last is { Failed.Code.Length: > 0 }, $"{f.Id} ended with {f.Last?.EventCase}, not completed nor failed with a code"));

        var history = await GenerationHistory.CheckAsync(cluster.Redis, new ClusterStoreOptions().ServiceId, cluster.Artifacts,
            GenerationHistory.Seen(followers), cancellationToken);
        output.WriteLine(history.ToString());
        Assert.True(history.Sound, history.ToString());
        Assert.Equal((10, 0), (history.Generations, history.FencedWrites));
    }
}
