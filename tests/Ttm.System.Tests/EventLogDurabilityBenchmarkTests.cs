using Ttm.Benchmarks;
using Ttm.Cli.Cluster;

namespace Ttm.System.Tests;

/// <summary>
/// <c>./ttm bench durability</c> on a Redis primary, two replicas and three Sentinels started here (a short down-after):
/// it measures each mode, and with the primary SIGKILLed mid log every acknowledged append is still there.
/// </summary>
public sealed class EventLogDurabilityBenchmarkTests : IAsyncLifetime
{
    readonly string folder = Directory.CreateTempSubdirectory("ttm-bench-durability-").FullName;
    LocalCluster redis = null!;

    public async Task InitializeAsync() =>
        redis = await LocalCluster.StartRedisAsync(folder, replication: new RedisReplication(Replicas: 2, DownAfterMilliseconds: 1_000, FailoverTimeoutMilliseconds: 5_000));

    public async Task DisposeAsync()
    {
        await redis.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Run_MeasuresEachMode_AndLosesNoAcknowledgedAppendWhenThePrimaryIsKilled()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var primary = await redis.PrimaryAsync();
        var report = await EventLogDurabilityBenchmark.RunAsync(redis.Redis, events: 200, async () => (await redis.PrimaryAsync())!.Kill(), timeout.Token);
        Assert.Equal(2, report.Replicas);
        Assert.Equal(["everysec", "always", "everysec"], report.Modes.Select(m => m.Appendfsync));
        Assert.Equal([0, 0, 1], report.Modes.Select(m => m.WaitReplicas));
        Assert.All(report.Modes, m => Assert.InRange(m.AppendMicrosecondsP50, 1, m.AppendMicrosecondsP99));
        var failover = Assert.IsType<EventLogDurabilityBenchmark.Failover>(report.PrimaryKilled);
        Assert.True(primary!.HasExited, "the primary was not killed");
        Assert.NotSame(primary, await redis.PrimaryAsync());
        Assert.Equal((200, 0, 200), (failover.Events, failover.Lost, failover.Logged));
        Assert.True(failover.StallSeconds > 0.5, $"the appends stalled only {failover.StallSeconds} s across a failover"); // the down-after alone is 1 s
    }
}
