using Ttm.Models.Sampling;
using Ttm.Models.Text;
using static TorchSharp.torch;

namespace Ttm.Models.Generation;

/// <summary>What one generation asks of the two networks (the plan and s(0) already made).</summary>
public sealed record GenerationInput(
    Tensor FirstFrame,                  // (1, 3, H, W) x(0) in [-1, 1]
    Tensor FirstMasks,                  // (1, 3, H, W) s(0) painted with the trajectory palette, objects in plan order
    string Prompt,                      // c
    string MotionPrompt,                // c_motion
    IReadOnlyList<string> LocalPrompts, // c_local(1..L)
    SamplingOptions Motion,
    SamplingOptions Video);

/// <summary>The two outputs: ŝ (null for the TI2V baseline, which has no stage 1) and x̂, each (1, 3, T, H, W).</summary>
public sealed record GenerationOutput(Tensor? Trajectory, Tensor Video) : IDisposable
{
    public void Dispose()
    {
        Trajectory?.Dispose();
        Video.Dispose();
    }
}

/// <summary>
/// Chains Image-to-Motion and Motion-to-Video for many generations at once: each stage advances every
/// request one step per batched forward pass. Without a motion network (TI2V) stage 2 runs unconditioned
/// on a trajectory.
/// </summary>
public sealed class TwoStageGenerator(VideoDit? motion, VideoDit video, ITextEncoder text)
{
    public VideoDit? MotionModel => motion;
    public VideoDit VideoModel => video;

    public IReadOnlyList<GenerationOutput> Generate(IReadOnlyList<GenerationInput> inputs, CancellationToken cancellationToken = default)
    {
        Tensor?[] trajectories = new Tensor?[inputs.Count];
        if (motion is not null)
        {
            var conditions = inputs.Select(i => StageConditions.ForMotion(i.FirstMasks, i.FirstFrame, text.Encode(i.MotionPrompt), motion.Config.Frames)).ToList();
            var results = RunStage(new FlowSampler(motion), conditions, inputs.Select(i => i.Motion).ToList(), cancellationToken);
            for (int i = 0; i < inputs.Count; i++) trajectories[i] = results[i];
            conditions.ForEach(c => c.Dispose());
        }
        var videoConditions = inputs.Select((input, i) =>
        {
            using var empty = full([1, 3, video.Config.Frames, video.Config.Height, video.Config.Width], -1f); // TI2V: no trajectory
            return StageConditions.ForVideo(video.Config, input.FirstFrame, trajectories[i] ?? empty,
                text.Encode(input.Prompt), input.LocalPrompts.Select(text.Encode).ToList());
        }).ToList();
        var videos = RunStage(new FlowSampler(video), videoConditions, inputs.Select(i => i.Video).ToList(), cancellationToken);
        videoConditions.ForEach(c => c.Dispose());
        return inputs.Select((_, i) => new GenerationOutput(trajectories[i], videos[i])).ToList();
    }

    static List<Tensor> RunStage(FlowSampler sampler, List<StageConditions> conditions, List<SamplingOptions> options, CancellationToken cancellationToken)
    {
        var requests = conditions.Select((c, i) => sampler.Start(c, options[i])).ToList();
        while (requests.Any(r => !r.IsDone))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var result in sampler.Advance(requests.Where(r => !r.IsDone).ToList())) result.Dispose();
        }
        var outputs = requests.Select(r => r.State.clamp(-1f, 1f)).ToList();
        requests.ForEach(r => r.Dispose());
        return outputs;
    }
}
