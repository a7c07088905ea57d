using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
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
/// The whole Through-The-Mask generation in-process: plan → segment s(0) → Image-to-Motion ŝ → Motion-to-Video
/// x̂ → encode, as a stream of events with every partial result. Request checks (prompt, image, object count)
/// throw <see cref="InvalidRequestException"/> / <see cref="InvalidImageException"/> before the first event;
/// a failure after that ends the stream with <see cref="Failed"/>. Cancellation stops within one step.
/// </summary>
public sealed class TtmPipeline(PipelineModels models)
{
    readonly VideoEncoder encoder = new();

    public async IAsyncEnumerable<PipelineEvent> RunAsync(PipelineRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        request.Validate();
        var image = ImageInput.Decode(request.Image);
        var clock = Stopwatch.StartNew();
        var plan = await models.Planner.PlanAsync(request.Prompt, cancellationToken);
        var config = models.Video.Config;
        if (plan.Objects.Count > config.MaxObjects)
            throw new InvalidRequestException(
                $"The prompt mentions {plan.Objects.Count} objects ({string.Join(", ", plan.Objects.Select(o => o.Name))}); this model animates at most {config.MaxObjects}.");
        if (request.Hints.Count > plan.Objects.Count)
            throw new InvalidRequestException($"{request.Hints.Count} object hints were given but the prompt mentions {plan.Objects.Count} objects.");
        var seconds = new Dictionary<PipelineStage, double> { [PipelineStage.Plan] = clock.Elapsed.TotalSeconds };
        yield return new PlanReady(plan);

        // A small buffer: the generation runs at most a few events ahead of its reader, and nothing is
        // handed out after cancellation (the producer stops at its next step).
        var events = Channel.CreateBounded<PipelineEvent>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var work = Task.Run(() => Generate(request, image, plan, seconds, events.Writer, cancellationToken), cancellationToken);
        await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }
        await work;
    }

    async Task Generate(PipelineRequest request, RgbImage image, PromptPlan plan, Dictionary<PipelineStage, double> seconds,
        ChannelWriter<PipelineEvent> events, CancellationToken cancellationToken)
    {
        var stage = PipelineStage.Segment;
        try
        {
            using var scope = NewDisposeScope();
            var config = models.Video.Config;
            int scale = Math.Max(1, request.DisplaySize / Math.Max(config.Width, config.Height));
            var clock = Stopwatch.StartNew();

            // 2. Segment s(0) on the cropped upload, grounded to the plan's objects.
            var (cropX, cropY, cropW, cropH) = ImageInput.CropBox(image.Width, image.Height, config.Width, config.Height);
            var cropped = ImageInput.Crop(image, cropX, cropY, cropW, cropH);
            float shrink = Math.Min(1f, SamSegmenter.InputSize / (float)Math.Max(cropW, cropH));
            var segmentable = ImageInput.Resize(cropped, Math.Max(1, (int)(cropW * shrink)), Math.Max(1, (int)(cropH * shrink)));
            var hints = request.Hints.Select(h => h is null ? null : Rescale(h, cropX, cropY, shrink)).ToList();
            var grounded = await models.Device.RunAsync(
                () => new Grounding(models.Segmenter).Ground(segmentable, models.Segmenter.Embed(segmentable), plan.Objects, hints),
                request.Tenant, cancellationToken);
            var labels = FirstFrameMasks.ToModelGrid(grounded.Select(g => g.Mask).ToList(), config.Width, config.Height);
            var firstMasks = VideoTensors.PaintFirstMasks(labels, config.Width, config.Height); // (1, 3, H, W)
            var firstFrame = VideoTensors.FromRgb(ImageInput.FitTo(image, config.Width, config.Height).Pixels, config.Width, config.Height); // (1, 3, H, W)
            using (var maskFrame = firstMasks.unsqueeze(2))
                await events.WriteAsync(new SegmentationReady(
                    VideoEncoder.Png(Frames(maskFrame).Upscale(scale), 0), grounded), cancellationToken);
            seconds[PipelineStage.Segment] = clock.Elapsed.TotalSeconds;

            // 3. Image-to-Motion: the mask trajectory ŝ.
            stage = PipelineStage.Motion;
            clock.Restart();
            using var motionConditions = StageConditions.ForMotion(firstMasks, firstFrame, models.Text.Encode(plan.MotionPrompt), models.Motion.Config.Frames);
            using var trajectory = await Denoise(models.MotionSampler, motionConditions,
                new SamplingOptions(request.MotionSteps, request.MotionGuidance, request.Seed), PipelineStage.Motion, request, scale, events, cancellationToken);
            var trajectoryFrames = Frames(trajectory);
            await events.WriteAsync(new MotionDone(trajectoryFrames.Upscale(scale)), cancellationToken);
            seconds[PipelineStage.Motion] = clock.Elapsed.TotalSeconds;

            // 4. Motion-to-Video: the frames x̂.
            stage = PipelineStage.Video;
            clock.Restart();
            using var videoConditions = StageConditions.ForVideo(config, firstFrame, trajectory, models.Text.Encode(plan.Prompt),
                plan.Objects.Select(o => models.Text.Encode(o.LocalPrompt)).ToList());
            using var video = await Denoise(models.VideoSampler, videoConditions,
                new SamplingOptions(request.VideoSteps, request.VideoGuidance, request.Seed), PipelineStage.Video, request, scale, events, cancellationToken);
            var videoFrames = Frames(video);
            seconds[PipelineStage.Video] = clock.Elapsed.TotalSeconds;

            // 5. Encode: the requested formats, the trajectory alone and over the frames, and streamable pieces.
            stage = PipelineStage.Encode;
            clock.Restart();
            var artifacts = await Encode(request, videoFrames.Upscale(scale), trajectoryFrames.Upscale(scale), events, cancellationToken);
            seconds[PipelineStage.Encode] = clock.Elapsed.TotalSeconds;
            var summary = Path.Combine(request.OutputDirectory, "summary.json");
            artifacts["summary"] = summary;
            await File.WriteAllTextAsync(summary, JsonSerializer.Serialize(new
            {
                prompt = plan.Prompt, plan, seed = request.Seed, objects = grounded.Select(g => new { g.Name, g.Method, g.Detail, area = g.Mask?.Area ?? 0 }),
                seconds = seconds.ToDictionary(kv => kv.Key.ToString().ToLowerInvariant(), kv => Math.Round(kv.Value, 3)), artifacts,
            }, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            await events.WriteAsync(new Completed(artifacts, seconds), cancellationToken);
            events.Complete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            events.Complete(new OperationCanceledException(cancellationToken));
        }
        catch (Exception e)
        {
            try
            {
                await events.WriteAsync(new Failed(stage, e.Message), cancellationToken);
            }
            finally
            {
                events.Complete();
            }
        }
    }

    /// <summary>
    /// Runs one stage: each step is handed to the device worker (where it may share a forward pass with other
    /// generations' steps); the clean estimate goes out every <see cref="PipelineRequest.PreviewEvery"/> steps.
    /// </summary>
    async Task<Tensor> Denoise(FlowSampler sampler, StageConditions conditions, SamplingOptions options, PipelineStage stage,
        PipelineRequest request, int scale, ChannelWriter<PipelineEvent> events, CancellationToken cancellationToken)
    {
        using var active = ActiveGeneration.Enter(stage, request.Tenant);
        using var state = sampler.Start(conditions, options);
        while (!state.IsDone)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var step = await models.Device.StepAsync(sampler, state, request.Tenant, cancellationToken);
            if (request.PreviewEvery > 0 && (step.Step % request.PreviewEvery == 0) && step.Step < options.Steps)
                await events.WriteAsync(new StagePreview(stage, step.Step, options.Steps, Frames(step.CleanEstimate).Upscale(scale)), cancellationToken);
        }
        return state.State.clamp(-1f, 1f).DetachFromDisposeScope();
    }

    async Task<Dictionary<string, string>> Encode(PipelineRequest request, VideoFrames video, VideoFrames trajectory,
        ChannelWriter<PipelineEvent> events, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(request.OutputDirectory);
        var artifacts = new Dictionary<string, string>();
        foreach (var format in request.Formats.Distinct())
        {
            var (key, name) = format switch
            {
                VideoFormat.Mp4 => ("mp4", "video.mp4"),
                VideoFormat.WebM => ("webm", "video.webm"),
                VideoFormat.Gif => ("gif", "video.gif"),
                _ => ("png_frames", "frames"),
            };
            artifacts[key] = await encoder.WriteAsync(video, Path.Combine(request.OutputDirectory, name), format, cancellationToken);
        }
        artifacts["trajectory"] = await encoder.WriteAsync(trajectory, Path.Combine(request.OutputDirectory, "trajectory.mp4"), VideoFormat.Mp4, cancellationToken);
        artifacts["overlay"] = await encoder.WriteAsync(video.Overlay(trajectory), Path.Combine(request.OutputDirectory, "overlay.mp4"), VideoFormat.Mp4, cancellationToken);
        var chunks = await encoder.FragmentedMp4Async(video, cancellationToken);
        for (int i = 0; i < chunks.Count; i++)
            await events.WriteAsync(new VideoChunk(i, chunks[i], i == chunks.Count - 1), cancellationToken);
        return artifacts;
    }

    static ObjectHint Rescale(ObjectHint hint, int offsetX, int offsetY, float scale) => new(
        hint.Points.Select(p => p with { X = (p.X - offsetX) * scale, Y = (p.Y - offsetY) * scale }).ToList(),
        hint.Box is { } b ? new PromptBox((b.X0 - offsetX) * scale, (b.Y0 - offsetY) * scale, (b.X1 - offsetX) * scale, (b.Y1 - offsetY) * scale) : null);

    /// <summary>(1, 3, T, H, W) in [-1, 1] → 8-bit frames.</summary>
    static VideoFrames Frames(Tensor video) =>
        VideoFrames.FromUnit(VideoTensors.ToUnitPixels(video), (int)video.shape[2], (int)video.shape[4], (int)video.shape[3]);
}
