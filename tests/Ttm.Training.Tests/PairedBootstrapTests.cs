using Ttm.Training.Benchmark;

namespace Ttm.Training.Tests;

/// <summary>The Table 3 intervals: a paired bootstrap over the same cases.</summary>
public sealed class PairedBootstrapTests
{
    static readonly IReadOnlyList<BenchCase> Suite = QualityBenchmark.Shapes128(perSplit: 20);

    static List<ScoredCase> Scored(Func<int, double> psnr, Func<int, bool> correct) =>
        Suite.Select((c, i) => new ScoredCase(c, null, null, [], new Dictionary<string, double>
        {
            ["endpoint_error_px"] = 1, ["appearance_consistency"] = 0.5, ["first_frame_psnr"] = 30, ["video_psnr"] = psnr(i), ["video_ssim"] = 0.8,
        }, Enumerable.Repeat(correct(i), c.Truth.Objects.Count).ToArray())).ToList();

    [Fact]
    public void TheSameScores_DifferByNothing_AndAreNotClear()
    {
        var a = Scored(i => 20 + i % 7, i => i % 3 != 0);
        var d = PairedBootstrap.Compare("b", a, "a", a, "all", "video_psnr");
        Assert.Equal((0.0, 0.0, 0.0, false), (d.Difference, d.Low, d.High, d.Clear));
    }

    [Fact]
    public void ABetterVariantOnEveryCase_IsClear_AndANoisyTie_IsNot()
    {
        var baseline = Scored(i => 20 + i % 7, i => i % 2 == 0);
        var better = Scored(i => 21 + i % 7, i => true);
        var psnr = PairedBootstrap.Compare("better", better, "baseline", baseline, "all", "video_psnr");
        Assert.Equal(1.0, psnr.Difference, 6);
        Assert.True(psnr.Clear && psnr.Low > 0.9 && psnr.High < 1.1, $"{psnr}");
        var direction = PairedBootstrap.Compare("better", better, "baseline", baseline, "all", "direction_accuracy");
        Assert.True(direction.Clear && direction.Low > 0, $"{direction}");

        // Half the cases a point up, half a point down: the mean is 0 and the interval spans it.
        var tie = Scored(i => 20 + i % 7 + (i % 2 == 0 ? 1 : -1), i => i % 2 == 0);
        var noisy = PairedBootstrap.Compare("tie", tie, "baseline", baseline, "all", "video_psnr");
        Assert.False(noisy.Clear, $"{noisy}");
        Assert.True(noisy.Low < 0 && noisy.High > 0);
    }

    [Fact]
    public void TheLadder_ComparesEachRungWithTheOneBefore_PerSplit()
    {
        var rungs = new List<(string, IReadOnlyList<ScoredCase>)> { ("no-mask", Scored(i => 20, i => false)), ("ttm", Scored(i => 22, i => true)) };
        var ladder = PairedBootstrap.Ladder(rungs);
        Assert.Equal(2 * PairedBootstrap.Metrics.Length, ladder.Count);
        var multiPsnr = Assert.Single(ladder, d => d.Split == "multi" && d.Metric == "video_psnr");
        Assert.Equal(("ttm", "no-mask", 2.0), (multiPsnr.Variant, multiPsnr.Versus, multiPsnr.Difference));
    }
}
