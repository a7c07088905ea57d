using System.Runtime.CompilerServices;
using System.Text.Json;
using Ttm.Grains;
using Ttm.Models.Sampling;
using Ttm.Pipeline;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Silo;

/// <summary>
/// The generation grains' port, implemented over <see cref="TtmPipeline"/>: reads the input image from the
/// artifact store, runs the pipeline, stores every payload (mask image, preview strips, chunks, videos) under
/// "{id}/…" and yields events that refer to them.
/// </summary>
public sealed class PipelineGenerationRunner(TtmPipeline pipeline, IArtifactStore store) : IGenerationRunner
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async IAsyncEnumerable<GenerationEvent> RunAsync(string generationId, GenerationSpec spec, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new PipelineRequest
        {
            Image = await store.GetAsync(spec.ImageKey, cancellationToken),
            Prompt = spec.Prompt,
            Tenant = spec.Tenant,
            Seed = spec.Seed,
            MotionSteps = spec.MotionSteps,
            VideoSteps = spec.VideoSteps,
            MotionGuidance = new GuidanceScales(spec.MotionGuidanceVisual, spec.MotionGuidanceText),
            VideoGuidance = new GuidanceScales(spec.VideoGuidanceVisual, spec.VideoGuidanceText),
            PreviewEvery = spec.PreviewEvery,
            DisplaySize = spec.DisplaySize,
            Formats = spec.Formats.Select(f => Enum.Parse<VideoFormat>(f, ignoreCase: true)).ToList(),
            Hints = spec.Hints.Select(h => h is null ? null : new ObjectHint(
                Enumerable.Range(0, h.PointsXy.Count / 2).Select(i => new PromptPoint(h.PointsXy[2 * i], h.PointsXy[2 * i + 1])).ToList(),
                h.Box is { Count: 4 } b ? new PromptBox(b[0], b[1], b[2], b[3]) : null)).ToList(),
            OutputDirectory = store.PathOf($"{generationId}/outputs"),
        };

        await using var events = pipeline.RunAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            // The pipeline refuses bad input before its first event; that is the caller's error, not the server's.
            string? refused = null;
            try
            {
                if (!await events.MoveNextAsync()) yield break;
            }
            catch (Exception e) when (e is InvalidRequestException or InvalidImageException)
            {
                refused = e.Message;
            }
            if (refused is not null)
            {
                yield return new GenerationEvent(0, default, GenerationEventKind.Failed, Text: refused, Stage: "Plan", Code: "invalid_argument");
                yield break;
            }
            switch (events.Current)
            {
                case PlanReady p:
                    yield return Event(GenerationEventKind.Plan, text: JsonSerializer.Serialize(p.Plan, Json));
                    break;
                case SegmentationReady s:
                    var maskKey = $"{generationId}/segmentation.png";
                    await store.PutAsync(maskKey, s.MaskPng, cancellationToken);
                    yield return Event(GenerationEventKind.Segmentation, artifact: maskKey,
                        text: JsonSerializer.Serialize(s.Objects.Select(o => new { o.Name, o.Method, o.Detail, area = o.Mask?.Area ?? 0 }), Json));
                    break;
                case StagePreview p:
                    var previewKey = $"{generationId}/previews/{p.Stage.ToString().ToLowerInvariant()}-{p.Step:D3}.png";
                    await store.PutAsync(previewKey, VideoEncoder.Png(p.Frames.Strip(), 0), cancellationToken);
                    yield return Event(p.Stage == PipelineStage.Motion ? GenerationEventKind.MotionPreview : GenerationEventKind.VideoPreview,
                        artifact: previewKey, step: p.Step, steps: p.Steps);
                    break;
                case MotionDone m:
                    var trajectoryKey = $"{generationId}/trajectory.png";
                    await store.PutAsync(trajectoryKey, VideoEncoder.Png(m.Trajectory.Strip(), 0), cancellationToken);
                    yield return Event(GenerationEventKind.MotionDone, artifact: trajectoryKey);
                    break;
                case VideoChunk c:
                    var chunkKey = $"{generationId}/chunks/{c.Index:D4}.mp4";
                    await store.PutAsync(chunkKey, c.Bytes, cancellationToken);
                    yield return Event(GenerationEventKind.VideoChunk, artifact: chunkKey, step: c.Index, last: c.IsLast);
                    break;
                case Completed done:
                    yield return new GenerationEvent(0, default, GenerationEventKind.Completed,
                        Artifacts: done.Artifacts.ToDictionary(kv => kv.Key, kv => store.KeyOf(kv.Value)),
                        Seconds: done.Seconds.ToDictionary(kv => kv.Key.ToString().ToLowerInvariant(), kv => kv.Value));
                    break;
                case Failed f:
                    yield return new GenerationEvent(0, default, GenerationEventKind.Failed, Text: f.Reason, Stage: f.Stage.ToString(), Code: "internal");
                    break;
            }
        }
    }

    static GenerationEvent Event(GenerationEventKind kind, string? text = null, string? artifact = null, int step = 0, int steps = 0, bool last = false) =>
        new(0, default, kind, Text: text, Step: step, Steps: steps, ArtifactKey: artifact, IsLast: last);
}
