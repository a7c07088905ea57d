using Ttm.Benchmarks;
using static TorchSharp.torch;

namespace Ttm.Training.Tests;

public sealed class BatchingBenchmarkTests
{
    [Fact]
    public void Run_TimesEachStageAtEachBatch_AgainstOneRequest()
    {
        var timings = BatchingBenchmark.Run(CPU, "tiny", [2], repeats: 1);

        // Only the asked batch is reported; one request is timed as the reference.
        Assert.Equal(["motion", "video"], timings.Select(t => t.Stage));
        Assert.All(timings, t =>
        {
            Assert.Equal(2, t.Requests);
            Assert.Equal(6, t.Rows); // three guidance rows per request
            Assert.True(t.MillisecondsMedian > 0);
            Assert.Equal(t.MillisecondsMedian / 2, t.MillisecondsPerRequest, 0.01);
            Assert.InRange(t.Speedup, 0.2, 5); // two requests cost between two passes' worth and less than one pass
        });
    }

    [Fact]
    public void SyntheticConditions_FitEachStage()
    {
        foreach (var stage in new[] { Ttm.Models.ModelStage.Motion, Ttm.Models.ModelStage.Video })
        {
            var config = Ttm.Models.TtmConfig.Named("tiny") with { Stage = stage };
            using var conditions = SyntheticConditions.For(config, seed: 1, objects: 2);
            Assert.Equal(config.InputChannels - 3, conditions.Visual.shape[1]);
            Assert.Equal(stage == Ttm.Models.ModelStage.Video ? 2 : 0, conditions.LocalTexts.Count);
        }
    }
}
