using Ttm.Models.Sampling;
using Ttm.Models.Text;
using static TorchSharp.torch;

namespace Ttm.Models.Generation;

/// <summary>
/// Image-to-Motion, then Motion-to-Video, for one generation, every stage through one <see cref="StageRunner"/>
/// (the device worker's stepper where it is served). Without a motion network (TI2V) stage 2 runs unconditioned
/// on a trajectory; with the user's paths (<see cref="MotionPaths"/>) stage 1 is skipped, or drawn over; with a trajectory
/// given (a reviewed generation's) it is not run either. <see cref="MotionAsync"/> alone is the first part of a generation that
/// stops for review. Concurrent generations run as concurrent calls; their steps meet in the stepper.
/// </summary>
public sealed class TwoStageChain(IStageSampler? motion, IStageSampler video, ITextEncoder text, StageRunner runner)
{
    /// <summary>Whether the motion stage 1 hands to stage 2 is optical flow (Table 4's variant) rather than a mask trajectory.</summary>
    public bool MotionIsFlow => video.Network.Config.MotionIsFlow;

    public async Task<GenerationOutput> RunAsync(GenerationInput input, ChainHooks hooks, CancellationToken cancellationToken)
    {
        var (trajectory, motionFrom) = await MotionAsync(input, hooks, cancellationToken);
        try
        {
            // Stage 2, Motion-to-Video: [noisy x̂ ; x(0) ; ŝ] + c, c_local(1..L), masked attention from ŝ → x̂.
            var config = video.Network.Config;
            using var empty = trajectory is null ? full([1, 3, config.Frames, config.Height, config.Width], -1f) : null; // TI2V: no trajectory
            using var videoConditions = StageConditions.ForVideo(config, input.FirstFrame, trajectory ?? empty!,
                text.Encode(input.Prompt), input.LocalPrompts.Select(text.Encode).ToList());
            using var frames = await runner.RunAsync(video, videoConditions, input.Video, hooks.Video, cancellationToken);
            return new GenerationOutput(trajectory, Finish(frames.Sample), motionFrom, frames.ResumedFrom);
        }
        catch
        {
            trajectory?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The trajectory ŝ stage 2 reads (1, 3, T, H, W) on the CPU, the caller's to dispose, and the step stage 1 continued from:
    /// the given one (<see cref="GenerationInput.Trajectory"/>) or stage 1's, with the user's paths drawn over it; only the
    /// paths when they give every object's motion; null for the TI2V baseline. <see cref="ChainHooks.OnTrajectory"/> sees it.
    /// </summary>
    public async Task<(Tensor? Trajectory, int ResumedFrom)> MotionAsync(GenerationInput input, ChainHooks hooks, CancellationToken cancellationToken)
    {
        Tensor? trajectory = null;
        int motionFrom = 0;
        int frames = video.Network.Config.Frames;
        try
        {
            // Stage 1, Image-to-Motion: [noisy ŝ ; s(0) ; x(0)] + c_motion (and c_local placed by s(0), where it reads them) → ŝ;
            // not run when ŝ is given (reviewed) or the user's paths give every object's motion, and drawn over where they give some.
            if (input.Trajectory is { } given)
                trajectory = input.Paths is { } edited ? edited.Draw(given, frames) : given.clone();
            else if (input.Paths is { CoversEveryObject: true } paths)
                trajectory = paths.Draw(null, frames);
            else if (motion is not null)
            {
                using var conditions = StageConditions.ForMotion(motion.Network.Config, input.FirstMasks, input.FirstFrame, text.Encode(input.MotionPrompt),
                    motion.Network.Config.MotionReadsLocalPrompts ? input.LocalPrompts.Select(text.Encode).ToList() : null);
                using var sampled = await runner.RunAsync(motion, conditions, input.Motion, hooks.Motion, cancellationToken);
                trajectory = Finish(sampled.Sample);
                if (input.Paths is { } some)
                {
                    var drawn = some.Draw(trajectory, frames);
                    trajectory.Dispose();
                    trajectory = drawn;
                }
                motionFrom = sampled.ResumedFrom;
            }
            if (trajectory is not null && hooks.OnTrajectory is { } done) await done(trajectory, cancellationToken);
            return (trajectory, motionFrom);
        }
        catch
        {
            trajectory?.Dispose();
            throw;
        }
    }

    /// <summary>(1, 3, T, H, W) in [-1, 1] on the CPU, where conditions and frames are made.</summary>
    static Tensor Finish(Tensor sample)
    {
        using var scope = NewDisposeScope();
        return sample.clamp(-1f, 1f).cpu().MoveToOuterDisposeScope();
    }
}
