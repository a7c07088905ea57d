using Ttm.Benchmarks;
using Ttm.Cli;

namespace Ttm.System.Tests;

/// <summary><c>./ttm bench soak</c> on the embedded server, small: every stream completes, is deleted, and the store returns to its baseline.</summary>
public sealed class SoakBenchmarkTests
{
    [Fact]
    public async Task Run_StreamsAndDeletesEveryGeneration_SamplingMemoryFilesAndStore()
    {
        var image = await File.ReadAllBytesAsync(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));
        var report = await SoakBenchmark.RunAsync((port, settings) => EmbeddedServer.Build(port, settings), image,
            "The red square moves right.", streams: 6, concurrency: 2, steps: 1, progress: null, CancellationToken.None);
        Assert.Equal((6, 0), (report.Completed, report.Failed));
        Assert.True(report.Samples.Count >= 3, $"{report.Samples.Count} samples");
        Assert.All(report.Samples, s => Assert.True(s.ResidentMegabytes > 0 && s.OpenFiles > 0));
        Assert.Equal(0, report.StoreBytesLeft); // every generation's artifacts deleted
    }
}
