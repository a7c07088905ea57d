using Ttm.Benchmarks;
using Ttm.Cli.Cluster;

namespace Ttm.System.Tests;

/// <summary><c>./ttm bench cluster</c>'s event-log measurement on a real Redis started here: it appends, replays and weighs what it says.</summary>
public sealed class EventLogBenchmarkTests : IAsyncLifetime
{
    readonly string folder = Directory.CreateTempSubdirectory("ttm-bench-log-").FullName;
    LocalCluster redis = null!;

    public async Task InitializeAsync() => redis = await LocalCluster.StartRedisAsync(folder);

    public async Task DisposeAsync()
    {
        await redis.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Run_AppendsEveryEvent_ReplaysThemAll_AndWeighsTheLogs()
    {
        var report = await EventLogBenchmark.RunAsync(redis.Redis, events: 300, CancellationToken.None);
        Assert.Equal(300, report.Events);
        Assert.InRange(report.AppendMicrosecondsP50, 1, report.AppendMicrosecondsP99);
        Assert.True(report.AppendMicrosecondsMax >= report.AppendMicrosecondsP99);
        Assert.True(report.ReplayMilliseconds > 0);
        Assert.InRange(report.RedisBytesPerEvent, 20, 5_000); // a preview event is ~100 bytes in Orleans' serialization
        Assert.Equal(12, report.EventsPerGeneration);
        Assert.True(report.RedisBytesPerGeneration > report.EventsPerGeneration * 20);
    }
}
