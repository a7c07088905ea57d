using System.Threading.Channels;
using Ttm.Models;
using Ttm.Models.Generation;
using Ttm.Models.Sampling;
using Ttm.Pipeline.Devices;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;
using Ttm.Pipeline.Segmentation;
using static TorchSharp.torch;

namespace Ttm.Pipeline;

/// <summary>
/// The device stages' result at display size: the video x̂, the trajectory ŝ, how each object was found, and which
/// stages continued from a checkpoint rather than from noise (e.g. "motion from step 8").
/// </summary>
public sealed record RenderedVideo(VideoFrames Video, VideoFrames Trajectory, IReadOnlyList<ObjectSummary> Objects)
{
    public IReadOnlyList<string> Resumed { get; init; } = [];
}

/// <summary>
/// The stages that need the accelerator: segment s(0) → Image-to-Motion ŝ → Motion-to-Video x̂, every network
/// step on the models' device worker, the segmenter on their segmentation worker (the same one on a CPU). Emits
/// SegmentationReady, StagePreview and MotionDone; the clock follows the stages (for failure reports and timings).
/// No dispose scope spans an await here: scopes are per thread, and a continuation's thread may meanwhile run
/// another generation, whose tensors would land in this one's scope and die with it. Tensors kept across awaits
/// are disposed by <c>using</c>; each synchronous piece of tensor work has its own scope.
/// </summary>
public sealed class DeviceStages(PipelineModels models)
{
    public async Task<RenderedVideo> RunAsync(PipelineRequest request, RgbImage image, PromptPlan plan, ChannelWriter<PipelineEvent> events,
        StageClock clock, CancellationToken cancellationToken)
    {
        var config = models.Video.Config;
        int scale = Math.Max(1, request.DisplaySize / Math.Max(config.Width, config.Height));

        // Segment s(0) on the cropped upload, grounded to the plan's objects.
        clock.Enter(PipelineStage.Segment);
        var (cropX, cropY, cropW, cropH) = ImageInput.CropBox(image.Width, image.Height, config.Width, config.Height);
        var cropped = ImageInput.Crop(image, cropX, cropY, cropW, cropH);
        float shrink = Math.Min(1f, SamSegmenter.InputSize / (float)Math.Max(cropW, cropH));
        var segmentable = ImageInput.Resize(cropped, Math.Max(1, (int)(cropW * shrink)), Math.Max(1, (int)(cropH * shrink)));
        var hints = request.Hints.Select(h => h is null ? null : Rescale(h, cropX, cropY, shrink)).ToList();
        // The prompts' text states, encoded (and cached) on a pool thread while the device segments: the stage's set-up then
        // finds them, and its first step joins the next pass instead of waiting behind it.
        var text = models.Text.For(request.Tenant);
        var prompts = new[] { plan.Prompt, plan.MotionPrompt }.Concat(plan.Objects.Select(o => o.LocalPrompt)).Distinct().ToList();
        var encoded = Task.Run(() => { foreach (var prompt in prompts) text.Encode(prompt); }, cancellationToken);
        IReadOnlyList<GroundedObject> grounded;
        using (models.Device.Enter("segment", request.Tenant))
            grounded = await models.SegmentationWorker.RunAsync(
                () => new Grounding(models.Segmenter).Ground(segmentable, models.Segmenter.Embed(segmentable), plan.Objects, hints),
                request.Tenant, cancellationToken, request.Priority);
        await encoded;
        var (firstMasks, firstFrame, maskFrames) = FirstFrame(grounded, image);
        using var _ = firstMasks;
        using var __ = firstFrame;
        await events.WriteAsync(new SegmentationReady(VideoEncoder.Png(maskFrames.Upscale(scale), 0), grounded), cancellationToken);

        // Image-to-Motion ŝ, then Motion-to-Video x̂: every step on the device worker, in this tenant's turn.
        var motionStage = await Hooks(PipelineStage.Motion, request, scale, events, cancellationToken);
        var videoStage = await Hooks(PipelineStage.Video, request, scale, events, cancellationToken);
        var chain = new TwoStageChain(models.MotionSampler, models.VideoSampler, text, new StageRunner(models.Device.StepperFor(request.Tenant, request.Priority)));
        var input = new GenerationInput(firstFrame, firstMasks, plan.Prompt, plan.MotionPrompt, plan.Objects.Select(o => o.LocalPrompt).ToList(),
            new SamplingOptions(request.MotionSteps, request.MotionGuidance, request.Seed, request.StepCache),
            new SamplingOptions(request.VideoSteps, request.VideoGuidance, request.Seed, request.StepCache));
        VideoFrames? trajectoryFrames = null;
        clock.Enter(PipelineStage.Motion);
        var active = models.Device.Enter(PipelineStage.Motion.Name(), request.Tenant);
        try
        {
            using var output = await chain.RunAsync(input, new ChainHooks
            {
                Motion = motionStage,
                Video = videoStage,
                OnTrajectory = async (trajectory, ct) =>
                {
                    trajectoryFrames = Frames(trajectory).Upscale(scale);
                    await events.WriteAsync(new MotionDone(trajectoryFrames), ct);
                    active.Dispose();
                    clock.Enter(PipelineStage.Video);
                    active = models.Device.Enter(PipelineStage.Video.Name(), request.Tenant);
                },
            }, cancellationToken);
            var resumed = new[] { (PipelineStage.Motion, output.MotionResumedFrom), (PipelineStage.Video, output.VideoResumedFrom) }
                .Where(r => r.Item2 > 0).Select(r => $"{r.Item1.Name()} from step {r.Item2}").ToList();
            return new RenderedVideo(Frames(output.Video).Upscale(scale), trajectoryFrames!, grounded.Select(ObjectSummary.Of).ToList()) { Resumed = resumed };
        }
        finally
        {
            active.Dispose();
        }
    }

    /// <summary>
    /// A stage's previews (the clean estimate every <see cref="PipelineRequest.PreviewEvery"/> steps, as events) and
    /// checkpoints (every <see cref="PipelineRequest.CheckpointEvery"/> steps, to this generation's store), and the
    /// checkpoint it continues from when it ran before.
    /// </summary>
    async Task<StageHooks> Hooks(PipelineStage stage, PipelineRequest request, int scale, ChannelWriter<PipelineEvent> events, CancellationToken cancellationToken)
    {
        var checkpoints = request.Checkpoints;
        return new StageHooks
        {
            ResumeFrom = checkpoints is null ? null : await checkpoints.LoadAsync(stage, cancellationToken),
            PreviewEvery = request.PreviewEvery,
            OnPreview = (step, ct) => events.WriteAsync(new StagePreview(stage, step.Step, step.Request.Options.Steps, Frames(step.CleanEstimate).Upscale(scale)), ct).AsTask(),
            CheckpointEvery = checkpoints is null ? 0 : request.CheckpointEvery,
            OnCheckpoint = checkpoints is null ? null : (checkpoint, ct) => checkpoints.SaveAsync(stage, checkpoint, ct),
        };
    }

    /// <returns>s(0) painted with the palette (1, 3, H, W), x(0) (1, 3, H, W), and s(0) as a frame</returns>
    (Tensor Masks, Tensor Frame, VideoFrames MaskFrames) FirstFrame(IReadOnlyList<GroundedObject> grounded, RgbImage image)
    {
        using var scope = NewDisposeScope();
        var config = models.Video.Config;
        var labels = FirstFrameMasks.ToModelGrid(grounded.Select(g => g.Mask).ToList(), config.Width, config.Height);
        var masks = VideoTensors.PaintFirstMasks(labels, config.Width, config.Height);
        var frame = VideoTensors.FromRgb(ImageInput.FitTo(image, config.Width, config.Height).Pixels, config.Width, config.Height);
        return (masks.MoveToOuterDisposeScope(), frame.MoveToOuterDisposeScope(), Frames(masks.unsqueeze(2)));
    }

    static ObjectHint Rescale(ObjectHint hint, int offsetX, int offsetY, float scale) => new(
        hint.Points.Select(p => p with { X = (p.X - offsetX) * scale, Y = (p.Y - offsetY) * scale }).ToList(),
        hint.Box is { } b ? new PromptBox((b.X0 - offsetX) * scale, (b.Y0 - offsetY) * scale, (b.X1 - offsetX) * scale, (b.Y1 - offsetY) * scale) : null);

    /// <summary>(1, 3, T, H, W) in [-1, 1] → 8-bit frames.</summary>
    static VideoFrames Frames(Tensor video)
    {
        using var scope = NewDisposeScope();
        return VideoFrames.FromUnit(VideoTensors.ToUnitPixels(video), (int)video.shape[2], (int)video.shape[4], (int)video.shape[3]);
    }
}
