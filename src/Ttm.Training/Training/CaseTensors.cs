using Ttm.Models;
using Ttm.Training.World;
using static TorchSharp.torch;

namespace Ttm.Training.Training;

/// <summary>A world case as the networks see it: video, first frame, true trajectory, flow and first-frame masks, in [-1, 1].</summary>
public sealed class CaseTensors : IDisposable
{
    /// <summary>(1, 3, T, H, W)</summary>
    public required Tensor Video { get; init; }
    /// <summary>(1, 3, T, H, W) the true mask trajectory, painted with the palette in object order.</summary>
    public required Tensor Trajectory { get; init; }
    /// <summary>(1, 3, T, H, W) the true optical flow from the first frame (<see cref="MotionFlow"/>; Table 4's flow variant).</summary>
    public required Tensor Flow { get; init; }

    /// <summary>What carries the motion between the stages of <paramref name="config"/>'s variant: the flow, or the mask trajectory.</summary>
    public Tensor Motion(TtmConfig config) => config.MotionIsFlow ? Flow : Trajectory;

    /// <summary>(1, 3, H, W) x(0).</summary>
    public Tensor FirstFrame => Video.select(2, 0);
    /// <summary>(1, 3, H, W) s(0).</summary>
    public Tensor FirstMasks => Trajectory.select(2, 0);

    public static CaseTensors From(WorldCase c)
    {
        using var scope = NewDisposeScope();
        var video = tensor(c.Pixels, [1, c.Frames, c.Height, c.Width, 3]).permute(0, 4, 1, 2, 3) * 2f - 1f; // (1, 3, T, H, W)
        var labels = tensor(c.Labels.Select(l => (long)l).ToArray(), [1, c.Frames, c.Height, c.Width]); // (1, T, H, W)
        return new CaseTensors
        {
            Video = video.contiguous().MoveToOuterDisposeScope(),
            Trajectory = TrajectoryPalette.Paint(labels).MoveToOuterDisposeScope(),
            Flow = MotionFlow.FromTranslations(c.Labels[..(c.Height * c.Width)], c.Objects.Select(o => o.PerFrame(c.Height, c.Width)).ToList(),
                c.Frames, c.Height, c.Width).MoveToOuterDisposeScope(),
        };
    }

    public void Dispose()
    {
        Video.Dispose();
        Trajectory.Dispose();
        Flow.Dispose();
    }
}
