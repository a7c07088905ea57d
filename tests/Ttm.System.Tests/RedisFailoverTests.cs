using Ttm.Cli.Cluster;
using Ttm.Hosting;
using Ttm.Protos.V1;
using Xunit.Abstractions;

namespace Ttm.System.Tests;

/// <summary>
/// The cluster on a Redis that survives its own failure: a primary, two replicas and three Sentinels (short timings),
/// one plain and one accelerator silo and a gateway, all processes started here on free ports and stopped by their
/// PIDs. The primary is SIGKILLed while generations from two tenants run: Sentinel promotes a replica, every
/// generation completes, and the history checker finds every event a client saw in the log, seq 1..N.
/// </summary>
public sealed class RedisFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    static readonly string Cli = Path.Combine(ServerFixture.Root, "src", "Ttm.Cli", "bin", "Release", "net10.0", "linux-x64", "ttm.dll");
    static readonly byte[] Sample = File.ReadAllBytes(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));

    readonly string folder = Directory.CreateTempSubdirectory("ttm-failover-").FullName;
    LocalCluster cluster = null!;

    public async Task InitializeAsync() =>
        cluster = await LocalCluster.StartRedisAsync(folder, program: Cli,
            replication: new RedisReplication(Replicas: 2, DownAfterMilliseconds: 1_500, FailoverTimeoutMilliseconds: 5_000));

    public async Task DisposeAsync()
    {
        foreach (var p in cluster.Processes) output.WriteLine($"--- {p.Name} (pid {p.Pid}, exit {p.ExitCode?.ToString() ?? "running"})\n{p.Tail(12)}");
        await cluster.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task KillingTheRedisPrimary_UnderLoad_LosesNoAcknowledgedEvent_AndEveryGenerationCompletes()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await cluster.StartSiloAsync("plain", timeout.Token);
        await cluster.StartSiloAsync("accelerator", timeout.Token);
        int port = LocalCluster.FreePort();
        await cluster.StartGatewayAsync(port, timeout.Token);
        var keys = new[] { await cluster.TenantKeyAsync("tenant-a"), await cluster.TenantKeyAsync("tenant-b") };
        var followers = Enumerable.Range(0, 10).Select(i => new GenerationFollower(
            ClusterFailureBenchmark.Request(Sample, i, steps: 4, $"failover-{i}"), $"tenant-{"ab"[i % 2]}", keys[i % 2], () => port)).ToList();
        var runs = followers.Select(f => f.RunAsync(timeout.Token)).ToList();

        // Mid run: a motion preview is out, and most generations have not ended.
        while (!followers.Any(f => f.Events.Any(e => e.MotionPreview is not null)))
        {
            Assert.False(runs.All(r => r.IsCompleted), "every generation ended before a motion preview");
            await Task.Delay(100, timeout.Token);
        }
        var primary = await cluster.PrimaryAsync();
        Assert.NotNull(primary);
        int running = followers.Count(f => !f.Ended);
        var killedAt = DateTimeOffset.UtcNow;
        output.WriteLine($"{killedAt:HH:mm:ss.fff} SIGKILL {primary.Name} (pid {primary.Pid}), {running} generations running");
        primary.Kill();

        HostProcess? promoted = null;
        while (promoted is null || promoted == primary)
        {
            Assert.True(DateTimeOffset.UtcNow - killedAt < TimeSpan.FromSeconds(90), "no replica was promoted within 90 s");
            await Task.Delay(100, timeout.Token);
            promoted = await cluster.PrimaryAsync();
        }
        output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} Sentinel names {promoted.Name} (pid {promoted.Pid}) primary, {(DateTimeOffset.UtcNow - killedAt).TotalSeconds:F1} s after the kill");

        await Task.WhenAll(runs);
        foreach (var f in followers)
            output.WriteLine($"{f.Id} ({f.Tenant}): {f.Events.Count} events, {f.Reconnects} reconnects, ended {f.Last?.EventCase} {f.Last?.Failed?.Message}");
        Assert.True(running >= 5, $"only {running} of 10 generations were running at the kill");
        Assert.All(followers, f => Assert.Equal(GenerationEvent.EventOneofCase.Completed, f.Last?.EventCase));
        Assert.All(followers, f => Assert.Equal(Enumerable.Range(1, f.Events.Count).Select(i => (long)i), f.Events.Select(e => e.Seq)));
        // Some generation logged events on both sides of the kill: the failover happened under its run.
        Assert.Contains(followers, f => f.Timeline.Any(t => t.At < killedAt) && f.Timeline.Any(t => t.At > killedAt.AddSeconds(1)));

        var history = await GenerationHistory.CheckAsync(cluster.Redis, new ClusterStoreOptions().ServiceId, cluster.Artifacts,
            GenerationHistory.Seen(followers), timeout.Token);
        output.WriteLine(history.ToString());
        Assert.True(history.Sound, history.ToString());
        Assert.Equal(10, history.Completed);
    }
}
