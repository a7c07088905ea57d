using Ttm.Benchmarks;
using Ttm.Cli;

namespace Ttm.System.Tests;

/// <summary><c>./ttm bench tenants</c> on the embedded server, small: it times the light tenant both ways while the heavy one really runs.</summary>
public sealed class TenantFairnessBenchmarkTests
{
    [Fact]
    public async Task Run_TimesTheLightTenantAloneAndUnderAFlood_WhileTheFloodCompletesGenerations()
    {
        var image = await File.ReadAllBytesAsync(Path.Combine(ServerFixture.Root, "samples", "two-squares.png"));
        var report = await TenantFairnessBenchmark.RunAsync((port, settings) => EmbeddedServer.Build(port, settings), image,
            "The red square moves right.", steps: 1, light: 3, flood: 2, pause: TimeSpan.FromSeconds(1), progress: null, CancellationToken.None);
        Assert.Equal((3, 3), (report.Alone.Generations, report.WithFlood.Generations));
        Assert.True(report.Alone.SecondsP50 > 0 && report.WithFlood.SecondsP95 >= report.WithFlood.SecondsP50);
        Assert.Equal(["encode", "motion", "plan", "segment", "video"], report.Alone.StageSecondsP50.Keys.Order());
        Assert.InRange(report.LightDeviceShareAlone, 0.01, 1);
        Assert.True(report.HeavyCompleted > 0, "the flood completed no generation while the light tenant ran");
        Assert.Equal(Math.Round(report.WithFlood.SecondsP95 / report.Alone.SecondsP95, 2), report.P95Ratio);
    }
}
