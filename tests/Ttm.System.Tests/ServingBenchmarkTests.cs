using Ttm.Benchmarks;
using Ttm.Cli;

namespace Ttm.System.Tests;

/// <summary><c>./ttm bench serving</c> on the embedded server, small: throughput, overhead and the admission probe all really run.</summary>
public sealed class ServingBenchmarkTests
{
    [Fact]
    public async Task Run_MeasuresThroughput_AndAProbesFirstStepBesideEightMidStage()
    {
        var image = await File.ReadAllBytesAsync(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));
        var report = await ServingBenchmark.RunAsync((port, settings) => EmbeddedServer.Build(port, settings), image, "The red square moves right.",
            steps: 1, maxBatch: null, levels: [1], progress: null, CancellationToken.None);
        Assert.Equal([false, true], report.Throughput.Select(l => l.Batching));
        Assert.All(report.Throughput, l => Assert.True(l.GenerationsPerMinute > 0));
        var admission = report.AdmissionLatency;
        Assert.Equal((8, 3), (admission.Busy, admission.Probes));
        // The device's clock saw each probe's first step wait, and the client saw its preview after that wait and a pass.
        Assert.True(admission.PassSecondsMean > 0 && admission.PassSecondsMax >= admission.PassSecondsMean, $"{admission}");
        Assert.InRange(admission.WaitSecondsP50, 0, admission.WaitSecondsMax);
        Assert.True(admission.FirstPreviewSecondsP50 > admission.WaitSecondsP50, $"{admission}");
    }
}
