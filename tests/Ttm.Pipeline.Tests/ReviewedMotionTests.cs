using Ttm.Contracts;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Pipeline.Tests;

/// <summary>What the first part of a reviewed generation stores reads back exactly, and a torn or altered file is never continued from.</summary>
public sealed class ReviewedMotionTests
{
    static ReviewedMotion Sample()
    {
        var random = new Random(37);
        var labels = Enumerable.Range(0, 4 * 3).Select(_ => random.Next(3)).ToArray();
        var trajectory = Enumerable.Range(0, 3 * 2 * 3 * 4).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        return new ReviewedMotion(2, 4, 3, labels, trajectory, [new SegmentedObject("red square", "colour", "red blob", 12), new SegmentedObject("white square", "hint", "", 0)]);
    }

    [Fact]
    public void ToBytes_ThenFromBytes_GivesTheSameMotion()
    {
        var motion = Sample();
        var read = ReviewedMotion.FromBytes(motion.ToBytes());
        Assert.Equal((motion.Frames, motion.Width, motion.Height), (read.Frames, read.Width, read.Height));
        Assert.Equal(motion.FirstLabels, read.FirstLabels);
        Assert.Equal(motion.Trajectory, read.Trajectory); // bit for bit: stage 2 reads ŝ exactly as stage 1 made it
        Assert.Equal(motion.Objects, read.Objects);
    }

    [Fact]
    public void AnAlteredOrTornFile_IsRefused()
    {
        var bytes = Sample().ToBytes();
        var altered = bytes.ToArray();
        altered[40] ^= 1;
        Assert.Throws<InvalidDataException>(() => ReviewedMotion.FromBytes(altered));
        Assert.Throws<InvalidDataException>(() => ReviewedMotion.FromBytes(bytes[..^5]));
        Assert.Throws<InvalidDataException>(() => ReviewedMotion.FromBytes([]));
    }
}
