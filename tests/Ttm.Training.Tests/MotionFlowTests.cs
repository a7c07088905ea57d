using Ttm.Models;
using Ttm.Training.Training;
using Ttm.Training.World;

namespace Ttm.Training.Tests;

public sealed class MotionFlowTests
{
    readonly ShapesWorld world = new();

    [Fact]
    public void TrueFlow_CarriesEachObjectToWhereTheWorldDrewIt()
    {
        for (long seed = 0; seed < 60; seed++)
        {
            var c = world.Generate(seed, WorldSplit.Single); // one object, its whole path inside the frame
            using var tensors = CaseTensors.From(c);
            var flow = tensors.Flow.contiguous().data<float>().ToArray(); // (3, T, H, W)
            var firstLabels = c.Labels[..(c.Height * c.Width)];
            var o = c.Objects[0];
            var (dx, dy) = MotionFlow.MeanDisplacement(flow, firstLabels, 1, c.Frames, c.Height, c.Width);
            float trueDx = o.Centroids[^1][0] - o.Centroids[0][0], trueDy = o.Centroids[^1][1] - o.Centroids[0][1];
            Assert.True(Math.Abs(dx - trueDx) < 0.6f && Math.Abs(dy - trueDy) < 0.6f,
                $"seed {seed} ({o.Motion}, {o.Speed}): flow says ({dx:F2}, {dy:F2}), the world moved it ({trueDx:F2}, {trueDy:F2})");
        }
    }

    [Fact]
    public void TrueFlow_IsZeroOnTheBackground_InTheFirstFrame_AndInTheThirdChannel_AndWithinRange()
    {
        for (long seed = 0; seed < 40; seed++)
        {
            var c = world.Generate(seed, WorldSplit.Multi);
            using var tensors = CaseTensors.From(c);
            var flow = tensors.Flow.contiguous().data<float>().ToArray();
            int plane = c.Height * c.Width;
            for (int ch = 0; ch < 3; ch++)
            for (int t = 0; t < c.Frames; t++)
            for (int i = 0; i < plane; i++)
            {
                float v = flow[(ch * c.Frames + t) * plane + i];
                Assert.InRange(v, -1f, 1f);
                if (ch == 2 || t == 0 || c.Labels[i] == 0) Assert.Equal(0f, v);
            }
        }
    }

    [Fact]
    public void AFlowStageOne_PredictsFlowFromZero_AndAFlowStageTwo_ReadsFlowWithoutAddedLayers()
    {
        var motion = new TtmConfig { Stage = ModelStage.Motion, Variant = TtmVariant.Flow };
        Assert.False(motion.AnchorsOnFirstFrame); // s(0) is no offset for a flow that starts at zero
        Assert.True(new TtmConfig { Stage = ModelStage.Motion }.AnchorsOnFirstFrame);
        var video = new TtmConfig { Stage = ModelStage.Video, Variant = TtmVariant.Flow };
        Assert.False(video.AddsLayers);
        Assert.True(video.AnchorsOnFirstFrame);
        Assert.Equal(9, video.InputChannels);
        Assert.Throws<ArgumentException>(() => new TtmConfig { Stage = ModelStage.Motion, Variant = TtmVariant.NoMask }.Validate());
    }
}
