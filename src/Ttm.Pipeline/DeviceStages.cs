using System.Threading.Channels;
using Ttm.Contracts;
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
public sealed record RenderedVideo(VideoFrames Video, VideoFrames Trajectory, IReadOnlyList<SegmentedObject> Objects)
{
    public IReadOnlyList<string> Resumed { get; init; } = [];

    /// <summary>s(0) and the ŝ stage 2 ran on, as a reviewed first part keeps them: what a variation of this run continues from
    /// (null for the second part of a reviewed run, whose first part kept its own).</summary>
    public ReviewedMotion? Motion { get; init; }
}

/// <summary>
/// The stages that need the accelerator: segment s(0) → Image-to-Motion ŝ → Motion-to-Video x̂, every network
/// step on the models' device worker, the segmenter on their segmentation worker (the same one on a CPU). Emits
/// SegmentationReady, StagePreview and MotionDone; the clock follows the stages (for failure reports and timings). A
/// generation reviewed before its video runs in two parts: <see cref="MotionAsync"/>, then <see cref="RunAsync"/> given
/// the <see cref="ReviewedMotion"/> the first part made.
/// No dispose scope spans an await here: scopes are per thread, and a continuation's thread may meanwhile run
/// another generation, whose tensors would land in this one's scope and die with it. Tensors kept across awaits
/// are disposed by <c>using</c>; each synchronous piece of tensor work has its own scope.
/// </summary>
public sealed class DeviceStages(PipelineModels models)
{
    /// <summary>The whole device part (segment → stage 1 → stage 2), or the second part of a reviewed generation (<see cref="PipelineRequest.Reviewed"/>:
    /// stage 2 on its stored ŝ, with the hints' paths drawn over it as edits).</summary>
    public async Task<RenderedVideo> RunAsync(PipelineRequest request, RgbImage image, PromptPlan plan, ChannelWriter<PipelineEvent> events,
        StageClock clock, CancellationToken cancellationToken)
    {
        using var spans = new StageSpans();
        using var first = await FirstFrameAsync(request, image, plan, events, clock, spans, cancellationToken);
        int scale = DisplayScale(request);

        // Image-to-Motion ŝ, then Motion-to-Video x̂: every step on the device worker, in this tenant's turn.
        var motionStage = await Hooks(GenerationStage.Motion, request, scale, events, spans, cancellationToken);
        var videoStage = await Hooks(GenerationStage.Video, request, scale, events, spans, cancellationToken);
        using var reviewed = request.Reviewed is { } r ? tensor(r.Trajectory, [1, 3, r.Frames, r.Height, r.Width]) : null;
        var input = Input(request, plan, first) with { Trajectory = reviewed };
        VideoFrames? trajectoryFrames = null;
        ReviewedMotion? motion = null;
        clock.Enter(GenerationStage.Motion);
        spans.Enter(GenerationStage.Motion);
        var active = models.Device.Enter(GenerationStage.Motion.Name(), request.Tenant);
        try
        {
            using var output = await Chain(request, spans).RunAsync(input, new ChainHooks
            {
                Motion = motionStage,
                Video = videoStage,
                OnTrajectory = async (trajectory, ct) =>
                {
                    trajectoryFrames = Frames(trajectory).Upscale(scale);
                    if (request.Reviewed is null)
                    {
                        await events.WriteAsync(new MotionDone(trajectoryFrames), ct); // a reviewed one was shown before Continue
                        motion = MotionOf(trajectory, first);
                    }
                    active.Dispose();
                    clock.Enter(GenerationStage.Video);
                    spans.Enter(GenerationStage.Video);
                    active = models.Device.Enter(GenerationStage.Video.Name(), request.Tenant);
                },
            }, cancellationToken);
            var resumed = new[] { (GenerationStage.Motion, output.MotionResumedFrom), (GenerationStage.Video, output.VideoResumedFrom) }
                .Where(r => r.Item2 > 0).Select(r => $"{r.Item1.Name()} from step {r.Item2}").ToList();
            return new RenderedVideo(Frames(output.Video).Upscale(scale), trajectoryFrames!, first.Objects) { Resumed = resumed, Motion = motion };
        }
        finally
        {
            active.Dispose();
        }
    }

    /// <summary>
    /// The first part of a generation that stops for review: segment s(0), then stage 1 (or the paths), ending with the
    /// trajectory (MotionDone) and what <see cref="RunAsync"/> needs to continue from it without segmenting or stage 1 again.
    /// </summary>
    public async Task<ReviewedMotion> MotionAsync(PipelineRequest request, RgbImage image, PromptPlan plan, ChannelWriter<PipelineEvent> events,
        StageClock clock, CancellationToken cancellationToken)
    {
        bool everyObjectDragged = plan.Objects.Count > 0 && Enumerable.Range(0, plan.Objects.Count).All(i => i < request.Hints.Count && request.Hints[i]?.Path is not null);
        if (models.MotionSampler is null && !everyObjectDragged)
            throw new InvalidRequestException("This server's model has no motion stage (TI2V), so there is no trajectory to review; generate without stop_after_motion, or drag every object along a path.");
        using var spans = new StageSpans();
        using var first = await FirstFrameAsync(request, image, plan, events, clock, spans, cancellationToken);
        int scale = DisplayScale(request);
        var motionStage = await Hooks(GenerationStage.Motion, request, scale, events, spans, cancellationToken);
        clock.Enter(GenerationStage.Motion);
        spans.Enter(GenerationStage.Motion);
        using var active = models.Device.Enter(GenerationStage.Motion.Name(), request.Tenant);
        var (trajectory, _) = await Chain(request, spans).MotionAsync(Input(request, plan, first), new ChainHooks
        {
            Motion = motionStage,
            OnTrajectory = async (t, ct) => await events.WriteAsync(new MotionDone(Frames(t).Upscale(scale)), ct),
        }, cancellationToken);
        using var motion = trajectory ?? throw new InvalidOperationException("Stage 1 ended without a trajectory to review.");
        return MotionOf(motion, first);
    }

    /// <summary>ŝ (1, 3, T, H, W) with s(0)'s ids and objects: what a second part (or a variation) continues from.</summary>
    ReviewedMotion MotionOf(Tensor trajectory, FirstFrameState first)
    {
        var config = models.Video.Config;
        float[] values;
        if (trajectory.device.type == TorchSharp.DeviceType.CPU) values = trajectory.data<float>().ToArray(); // cpu() would hand back this tensor itself
        else using (var onHost = trajectory.cpu()) values = onHost.data<float>().ToArray();
        return new ReviewedMotion((int)trajectory.shape[2], config.Width, config.Height, first.Labels, values, first.Objects);
    }

    /// <summary>x(0), s(0) and how each object was found: segmented now (SegmentationReady), or the reviewed first part's.</summary>
    sealed record FirstFrameState(Tensor Frame, Tensor Masks, int[] Labels, IReadOnlyList<SegmentedObject> Objects, int CropX, int CropY, int CropW, int CropH) : IDisposable
    {
        public void Dispose()
        {
            Frame.Dispose();
            Masks.Dispose();
        }
    }

    async Task<FirstFrameState> FirstFrameAsync(PipelineRequest request, RgbImage image, PromptPlan plan, ChannelWriter<PipelineEvent> events,
        StageClock clock, StageSpans spans, CancellationToken cancellationToken)
    {
        var config = models.Video.Config;
        if (!request.StepCache.IsOff && new[] { models.MotionSampler, models.VideoSampler }.Any(s => s is DdimSampler))
            throw new InvalidRequestException(
                "The step cache reuses a DiT's transformer blocks between steps; this server runs a U-Net, which has none to reuse. Ask with the step cache off.");
        if (!request.StepCache.IsOff && models.Runtime == NetworkRuntime.Simulated)
            throw new InvalidRequestException($"This server's device {models.Device.Name} is simulated: it runs whole passes only, no step cache. Ask with the step cache off.");
        var (cropX, cropY, cropW, cropH) = ImageInput.CropBox(image.Width, image.Height, config.Width, config.Height);
        // The prompts' text states, encoded (and cached) on a pool thread while the device segments: the stage's set-up then
        // finds them, and its first step joins the next pass instead of waiting behind it.
        var text = models.Text.For(request.Tenant);
        var prompts = new[] { plan.Prompt, plan.MotionPrompt }.Concat(plan.Objects.Select(o => o.LocalPrompt)).Distinct().ToList();
        var encoded = Task.Run(() => { foreach (var prompt in prompts) text.Encode(prompt); }, cancellationToken);
        if (request.Reviewed is { } reviewed)
        {
            if (reviewed.Width != config.Width || reviewed.Height != config.Height || reviewed.FirstLabels.Length != config.Width * config.Height)
                throw new InvalidOperationException($"The reviewed motion is {reviewed.Width}×{reviewed.Height}; this server's model grid is {config.Width}×{config.Height}.");
            await encoded;
            var (masks, frame) = Paint(reviewed.FirstLabels, image);
            return new FirstFrameState(frame, masks, reviewed.FirstLabels, reviewed.Objects, cropX, cropY, cropW, cropH);
        }

        // Segment s(0) on the cropped upload, grounded to the plan's objects.
        clock.Enter(GenerationStage.Segment);
        spans.Enter(GenerationStage.Segment);
        var cropped = ImageInput.Crop(image, cropX, cropY, cropW, cropH);
        float shrink = Math.Min(1f, SamSegmenter.InputSize / (float)Math.Max(cropW, cropH));
        var segmentable = ImageInput.Resize(cropped, Math.Max(1, (int)(cropW * shrink)), Math.Max(1, (int)(cropH * shrink)));
        var hints = request.Hints.Select(h => h is { Locates: true } ? Rescale(h, cropX, cropY, shrink) : null).ToList();
        IReadOnlyList<GroundedObject> Ground() => new Grounding(models.Segmenter).Ground(segmentable, models.Segmenter.Embed(segmentable), plan.Objects, hints);
        IReadOnlyList<GroundedObject> grounded;
        using (models.Device.Enter("segment", request.Tenant))
            grounded = await models.SegmentationWorker.RunAsync(
                () => models.SimulatedSegmentation is { } simulated ? simulated.Ground(segmentable, plan.Objects, hints, Ground) : Ground(),
                request.Tenant, cancellationToken, request.Priority, request.Meter);
        await encoded;
        var labels = FirstFrameMasks.ToModelGrid(grounded.Select(g => g.Mask).ToList(), config.Width, config.Height);
        var (firstMasks, firstFrame) = Paint(labels, image);
        var state = new FirstFrameState(firstFrame, firstMasks, labels, grounded.Select(o => o.Summary()).ToList(), cropX, cropY, cropW, cropH);
        try
        {
            VideoFrames maskFrames;
            using (var strip = firstMasks.unsqueeze(2)) maskFrames = Frames(strip);
            await events.WriteAsync(new SegmentationReady(VideoEncoder.Png(maskFrames.Upscale(DisplayScale(request)), 0), grounded), cancellationToken);
        }
        catch
        {
            state.Dispose();
            throw;
        }
        return state;
    }

    int DisplayScale(PipelineRequest request) => Math.Max(1, request.DisplaySize / Math.Max(models.Video.Config.Width, models.Video.Config.Height));

    TwoStageChain Chain(PipelineRequest request, StageSpans spans) => new(models.MotionSampler, models.VideoSampler, models.Text.For(request.Tenant),
        new StageRunner(spans.Stepper(models.Device.StepperFor(request.Tenant, request.Priority, request.Meter))));

    GenerationInput Input(PipelineRequest request, PromptPlan plan, FirstFrameState first)
    {
        var config = models.Video.Config;
        return new GenerationInput(first.Frame, first.Masks, plan.Prompt, plan.MotionPrompt, plan.Objects.Select(o => o.LocalPrompt).ToList(),
            new SamplingOptions(request.MotionSteps, request.MotionGuidance, request.Seed, request.StepCache),
            new SamplingOptions(request.VideoSteps, request.VideoGuidance, request.Seed, request.StepCache),
            Paths(request, plan, first.Labels, first.CropX, first.CropY, config.Width / (float)first.CropW, config.Height / (float)first.CropH));
    }

    /// <summary>
    /// A stage's previews (the clean estimate every <see cref="PipelineRequest.PreviewEvery"/> steps, as events) and
    /// checkpoints (every <see cref="PipelineRequest.CheckpointEvery"/> steps, to this generation's store), and the
    /// checkpoint it continues from when it ran before.
    /// </summary>
    async Task<StageHooks> Hooks(GenerationStage stage, PipelineRequest request, int scale, ChannelWriter<PipelineEvent> events, StageSpans spans,
        CancellationToken cancellationToken)
    {
        var checkpoints = request.Checkpoints;
        return new StageHooks
        {
            ResumeFrom = checkpoints is null ? null : await checkpoints.LoadAsync(stage, cancellationToken),
            PreviewEvery = request.PreviewEvery,
            OnPreview = (step, ct) => events.WriteAsync(new StagePreview(stage, step.Step, step.Request.Options.Steps, Frames(step.CleanEstimate).Upscale(scale)), ct).AsTask(),
            CheckpointEvery = checkpoints is null ? 0 : request.CheckpointEvery,
            OnCheckpoint = checkpoints is null ? null : async (checkpoint, ct) =>
            {
                using var span = spans.StartInStage("checkpoint");
                span?.SetTag("ttm.step", checkpoint.Step);
                await checkpoints.SaveAsync(stage, checkpoint, ct);
            },
        };
    }

    /// <returns>s(0) painted with the palette (1, 3, H, W) and x(0) (1, 3, H, W)</returns>
    (Tensor Masks, Tensor Frame) Paint(int[] labels, RgbImage image)
    {
        using var scope = NewDisposeScope();
        var config = models.Video.Config;
        var masks = VideoTensors.PaintFirstMasks(labels, config.Width, config.Height);
        var frame = VideoTensors.FromRgb(ImageInput.FitTo(image, config.Width, config.Height).Pixels, config.Width, config.Height);
        return (masks.MoveToOuterDisposeScope(), frame.MoveToOuterDisposeScope());
    }

    /// <summary>The request's paths on the model grid (image pixels → the crop → the grid), per plan object; none without any.</summary>
    MotionPaths? Paths(PipelineRequest request, PromptPlan plan, int[] labels, int cropX, int cropY, float scaleX, float scaleY)
    {
        if (!request.Hints.Any(h => h?.Path is not null)) return null;
        var paths = plan.Objects.Select((_, i) => i < request.Hints.Count && request.Hints[i]?.Path is { } path
            ? new MotionPath(path.Points.Select(p => p with { X = (p.X - cropX) * scaleX, Y = (p.Y - cropY) * scaleY }).ToList())
            : null).ToList();
        return new MotionPaths(labels, models.Video.Config.Width, models.Video.Config.Height, paths);
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
