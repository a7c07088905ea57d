using Ttm.Models.Generation;
using Ttm.Grains;
using Ttm.Models.Sampling;
using Ttm.Pipeline;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Silo;

/// <summary>A generation's spec as the pipeline's request, with the image read from the artifact store.</summary>
public static class SpecRequests
{
    /// <param name="continuation">the second part of a reviewed generation: its seed, and its edited paths in place of the request's
    /// (the request's own paths are already in the reviewed trajectory)</param>
    public static PipelineRequest ToRequest(this GenerationSpec spec, byte[] image, string outputDirectory, GenerationContinuation? continuation = null) => new()
    {
        Image = image,
        Prompt = spec.Prompt,
        Tenant = spec.Tenant,
        Priority = spec.Batch ? Pipeline.Devices.WorkPriority.Batch : Pipeline.Devices.WorkPriority.Interactive,
        Seed = continuation?.Seed ?? spec.Seed,
        StepCache = spec.StepCache.Policy(),
        MotionSteps = spec.MotionSteps,
        VideoSteps = spec.VideoSteps,
        MotionGuidance = new GuidanceScales(spec.MotionGuidanceVisual, spec.MotionGuidanceText),
        VideoGuidance = new GuidanceScales(spec.VideoGuidanceVisual, spec.VideoGuidanceText),
        PreviewEvery = spec.PreviewEvery,
        DisplaySize = spec.DisplaySize,
        Formats = spec.Formats,
        Hints = continuation is null
            ? spec.Hints.Select(h => h is null ? null : new ObjectHint(Points(h.PointsXy), Box(h.Box), PathOf(h.Path))).ToList()
            : continuation.Paths.Select(p => PathOf(p) is { } path ? new ObjectHint([], null, path) : null).ToList(),
        StopAfterMotion = spec.StopAfterMotion && continuation is null,
        OutputDirectory = outputDirectory,
    };

    static List<PromptPoint> Points(IReadOnlyList<float> xy) => Enumerable.Range(0, xy.Count / 2).Select(i => new PromptPoint(xy[2 * i], xy[2 * i + 1])).ToList();

    static PromptBox? Box(IReadOnlyList<float>? box) => box is { Count: 4 } b ? new PromptBox(b[0], b[1], b[2], b[3]) : null;

    /// <summary>t, x, y, scale for each point → the path; none for null or empty.</summary>
    static MotionPath? PathOf(IReadOnlyList<float>? path) =>
        path is { Count: > 0 } p ? new MotionPath(p.Chunk(4).Select(q => new PathPoint(q[0], q[1], q[2], q[3])).ToList()) : null;
}
