using System.Text.Json;
using Ttm.Benchmarks;
using static TorchSharp.torch;

namespace Ttm.Training.Tests;

public sealed class WorkerBenchmarkTests
{
    [Fact]
    public async Task Run_ReportsEachLevelOffThenOn_WithTheBatchesItFormed()
    {
        using var report = JsonDocument.Parse(BenchmarkJson.Write(await WorkerBenchmark.RunAsync("cpu", "tiny", steps: 2, maxBatch: 4, levels: [3])));
        var root = report.RootElement;
        Assert.Equal(4, root.GetProperty("max_batch").GetInt32());
        var levels = root.GetProperty("throughput").EnumerateArray().ToList();
        Assert.Equal([false, true], levels.Select(l => l.GetProperty("batching").GetBoolean()));
        Assert.All(levels, l => Assert.Equal(3, l.GetProperty("concurrency").GetInt32()));
        Assert.All(levels, l => Assert.True(l.GetProperty("generations_per_minute").GetDouble() > 0));
        Assert.Equal(1, levels[0].GetProperty("mean_batch").GetDouble()); // off: one request per pass
        Assert.InRange(levels[1].GetProperty("mean_batch").GetDouble(), 1, 3); // on: three generations share passes, at most all three
    }
}
