using Ttm.Contracts;

namespace Ttm.Grains;

/// <summary>A point or box hint for one object, in the uploaded image's pixels.</summary>
[GenerateSerializer, Immutable, Alias("ttm.object-hint.v1")]
public sealed record ObjectHintSpec(
    [property: Id(0)] IReadOnlyList<float> PointsXy,     // x0, y0, x1, y1, … include-points
    [property: Id(1)] IReadOnlyList<float>? Box,         // x0, y0, x1, y1
    [property: Id(2)] IReadOnlyList<float>? Path = null); // t, x, y, scale for each point of the path it is dragged along

/// <summary>
/// What one generation was asked to do. The image itself lives in the artifact store (<see cref="ImageKey"/>);
/// <see cref="Digest"/> identifies the request so a repeated Start is recognised as the same one; <see cref="RetainFor"/>
/// is the tenant's time-to-live, counted from the end, after which everything it left is removed.
/// </summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-spec.v1")]
public sealed record GenerationSpec(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string ImageKey,
    [property: Id(2)] string Prompt,
    [property: Id(3)] long Seed,
    [property: Id(4)] int MotionSteps,
    [property: Id(5)] int VideoSteps,
    [property: Id(6)] float MotionGuidanceVisual,
    [property: Id(7)] float MotionGuidanceText,
    [property: Id(8)] float VideoGuidanceVisual,
    [property: Id(9)] float VideoGuidanceText,
    [property: Id(10)] int PreviewEvery,
    [property: Id(11)] int DisplaySize,
    [property: Id(21)] IReadOnlyList<VideoFormat> Formats,
    [property: Id(13)] IReadOnlyList<ObjectHintSpec?> Hints,
    [property: Id(14)] string Digest,
    [property: Id(15)] TimeSpan? Deadline,
    [property: Id(16)] TimeSpan? RetainFor = null,
    [property: Id(17)] bool Batch = false, // batch priority: device work that yields to interactive generations
    [property: Id(22)] StepCache StepCache = StepCache.Off,
    [property: Id(19)] bool StopAfterMotion = false, // rest in review with the trajectory; Continue runs the video stage
    [property: Id(20)] string? VariationOf = null) // a variation: the generation whose trajectory (copied) its video stage runs on
{
    // A spec stored before the formats and step cache were enums holds their names under ids 12 and 18 (Mp4, …; off, …;
    // no step cache: off). Read from such a spec only, never written; Upgraded turns them into the enums.
    [Id(12)] public IReadOnlyList<string>? StoredFormatNames { get; init; }
    [Id(18)] public string? StoredStepCacheName { get; init; }

    /// <summary>This spec with the names a spec stored before the enums holds read into <see cref="Formats"/> and <see cref="StepCache"/>.</summary>
    public GenerationSpec Upgraded() => StoredFormatNames is null && StoredStepCacheName is null ? this : this with
    {
        Formats = StoredFormatNames?.Select(name => Enum.Parse<VideoFormat>(name, ignoreCase: true)).ToList() ?? Formats,
        StepCache = StoredStepCacheName is { } cache ? Enum.Parse<StepCache>(cache, ignoreCase: true) : StepCache.Off,
        StoredFormatNames = null,
        StoredStepCacheName = null,
    };
}
