using Ttm.Benchmarks;
using Ttm.Cli;

namespace Ttm.Gateway.Tests;

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
        Assert.True(admission.PassSeconds > 0 && admission.FirstStepSecondsP50 >= admission.PassSeconds, $"{admission}");
        Assert.Equal(Math.Round(admission.FirstStepSecondsP50 - admission.PassSeconds, 3), admission.WaitSecondsP50);
    }
}
