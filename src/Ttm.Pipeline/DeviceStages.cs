using System.Threading.Channels;
using Ttm.Models;
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
/// step and the segmenter run on the models' device worker. Emits SegmentationReady, StagePreview and MotionDone;
/// the clock follows the stages (for failure reports and timings).
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
        IReadOnlyList<GroundedObject> grounded;
        using (models.Device.Enter("segment", request.Tenant))
            grounded = await models.Device.RunAsync(
                () => new Grounding(models.Segmenter).Ground(segmentable, models.Segmenter.Embed(segmentable), plan.Objects, hints),
                request.Tenant, cancellationToken);
        var (firstMasks, firstFrame, maskFrames) = FirstFrame(grounded, image);
        using var _ = firstMasks;
        using var __ = firstFrame;
        await events.WriteAsync(new SegmentationReady(VideoEncoder.Png(maskFrames.Upscale(scale), 0), grounded), cancellationToken);

        // Image-to-Motion: the mask trajectory ŝ.
        var resumed = new List<string>();
        clock.Enter(PipelineStage.Motion);
        using var motionConditions = StageConditions.ForMotion(firstMasks, firstFrame, models.Text.Encode(plan.MotionPrompt), models.Motion.Config.Frames);
        using var trajectory = await Denoise(models.MotionSampler, motionConditions,
            new SamplingOptions(request.MotionSteps, request.MotionGuidance, request.Seed), PipelineStage.Motion, request, scale, events, resumed, cancellationToken);
        var trajectoryFrames = Frames(trajectory).Upscale(scale);
        await events.WriteAsync(new MotionDone(trajectoryFrames), cancellationToken);

        // Motion-to-Video: the frames x̂.
        clock.Enter(PipelineStage.Video);
        using var videoConditions = StageConditions.ForVideo(config, firstFrame, trajectory, models.Text.Encode(plan.Prompt),
            plan.Objects.Select(o => models.Text.Encode(o.LocalPrompt)).ToList());
        using var video = await Denoise(models.VideoSampler, videoConditions,
            new SamplingOptions(request.VideoSteps, request.VideoGuidance, request.Seed), PipelineStage.Video, request, scale, events, resumed, cancellationToken);
        return new RenderedVideo(Frames(video).Upscale(scale), trajectoryFrames, grounded.Select(ObjectSummary.Of).ToList()) { Resumed = resumed };
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

    /// <summary>
    /// Runs one stage: each step is handed to the device worker (where it may share a forward pass with other
    /// generations' steps); the clean estimate goes out every <see cref="PipelineRequest.PreviewEvery"/> steps.
    /// </summary>
    async Task<Tensor> Denoise(FlowSampler sampler, StageConditions conditions, SamplingOptions options, PipelineStage stage,
        PipelineRequest request, int scale, ChannelWriter<PipelineEvent> events, List<string> resumed, CancellationToken cancellationToken)
    {
        using var active = models.Device.Enter(stage.Name(), request.Tenant);
        using var state = await StartOrResume(sampler, conditions, options, stage, request, cancellationToken);
        if (state.Step > 0) resumed.Add($"{stage.Name()} from step {state.Step}");
        while (!state.IsDone)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var step = await models.Device.StepAsync(sampler, state, request.Tenant, cancellationToken);
            if (request.PreviewEvery > 0 && (step.Step % request.PreviewEvery == 0) && step.Step < options.Steps)
                await events.WriteAsync(new StagePreview(stage, step.Step, options.Steps, Frames(step.CleanEstimate).Upscale(scale)), cancellationToken);
            if (request.Checkpoints is { } checkpoints && request.CheckpointEvery > 0 && (step.Step % request.CheckpointEvery == 0 || state.IsDone))
                await checkpoints.SaveAsync(stage, new StageCheckpoint(step.Step, Values(state.State)), cancellationToken);
        }
        using var scope = NewDisposeScope(); // no await below
        return state.State.clamp(-1f, 1f).cpu().MoveToOuterDisposeScope(); // conditions and frames are made on the CPU
    }

    static float[] Values(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.cpu().data<float>().ToArray();
    }

    /// <summary>From seeded noise, or from this generation's latest checkpoint of the stage when there is one.</summary>
    static async Task<SamplingRequest> StartOrResume(FlowSampler sampler, StageConditions conditions, SamplingOptions options, PipelineStage stage,
        PipelineRequest request, CancellationToken cancellationToken)
    {
        if (request.Checkpoints is { } checkpoints && await checkpoints.LoadAsync(stage, cancellationToken) is { } saved)
        {
            var c = sampler.Model.Config;
            long size = 3L * c.Frames * c.Height * c.Width;
            if (saved.Latent.Length != size) // torch would quietly take a prefix of a longer array
                throw new InvalidDataException($"The {stage} checkpoint holds {saved.Latent.Length} values; this model's latent has shape (1, 3, {c.Frames}, {c.Height}, {c.Width}) = {size}.");
            using var latent = tensor(saved.Latent, [1, 3, c.Frames, c.Height, c.Width]);
            return sampler.Resume(conditions, options, saved.Step, latent);
        }
        return sampler.Start(conditions, options);
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
