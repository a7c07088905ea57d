using Ttm.Grains;
using Ttm.Models.Sampling;
using Ttm.Pipeline;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Silo;

/// <summary>A generation's spec as the pipeline's request, with the image read from the artifact store.</summary>
public static class SpecRequests
{
    public static PipelineRequest ToRequest(this GenerationSpec spec, byte[] image, string outputDirectory) => new()
    {
        Image = image,
        Prompt = spec.Prompt,
        Tenant = spec.Tenant,
        Priority = spec.Batch ? Pipeline.Devices.WorkPriority.Batch : Pipeline.Devices.WorkPriority.Interactive,
        Seed = spec.Seed,
        StepCache = spec.StepCache is { } cache ? StepCachePolicy.Parse(cache) : StepCachePolicy.Off,
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
        OutputDirectory = outputDirectory,
    };
}
