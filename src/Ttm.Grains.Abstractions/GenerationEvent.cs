using Ttm.Contracts;

namespace Ttm.Grains;

/// <summary>
/// One entry of a generation's event log: numbered from 1 without gaps, so a watcher that saw up to seq N
/// asks for the rest with Watch(N). Large payloads stay in the artifact store; the updates name their keys.
/// </summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-event.v1")]
public sealed record GenerationEvent(
    [property: Id(0)] long Seq,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] GenerationUpdate Update);

/// <summary>What happened, one record per case of the proto's <c>GenerationEvent.event</c> oneof.</summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-update.v1")]
public abstract record GenerationUpdate;

/// <summary>Taken on; <paramref name="QueuePosition"/> generations were already on the devices (as last reported).</summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-accepted.v1")]
public sealed record GenerationAccepted([property: Id(0)] int QueuePosition, [property: Id(1)] string? VariationOf = null) : GenerationUpdate;

[GenerateSerializer, Immutable, Alias("ttm.generation-planned.v1")]
public sealed record GenerationPlanned([property: Id(0)] PromptPlan Plan) : GenerationUpdate;

/// <summary>s(0): the palette-painted first-frame masks (PNG) and how each object was found.</summary>
[GenerateSerializer, Immutable, Alias("ttm.objects-segmented.v1")]
public sealed record ObjectsSegmented(
    [property: Id(0)] string MaskKey,
    [property: Id(1)] IReadOnlyList<SegmentedObject> Objects) : GenerationUpdate;

/// <summary>The trajectory's clean estimate after <paramref name="Step"/> of <paramref name="Steps"/> steps (frames side by side, PNG).</summary>
[GenerateSerializer, Immutable, Alias("ttm.motion-previewed.v1")]
public sealed record MotionPreviewed(
    [property: Id(0)] int Step,
    [property: Id(1)] int Steps,
    [property: Id(2)] string FramesKey) : GenerationUpdate;

/// <summary>The mask trajectory ŝ (frames side by side, PNG).</summary>
[GenerateSerializer, Immutable, Alias("ttm.trajectory-finished.v1")]
public sealed record TrajectoryFinished([property: Id(0)] string FramesKey) : GenerationUpdate;

/// <summary>
/// The generation stopped after motion (<see cref="GenerationSpec.StopAfterMotion"/>) and awaits review: the trajectory ŝ
/// (<paramref name="TrajectoryKey"/>, frames side by side, PNG), the plan's objects that Continue's paths name by index, and
/// the uploaded image's size in pixels (the paths' frame).
/// </summary>
[GenerateSerializer, Immutable, Alias("ttm.awaiting-review.v1")]
public sealed record AwaitingReview(
    [property: Id(0)] string TrajectoryKey,
    [property: Id(1)] IReadOnlyList<string> Objects,
    [property: Id(2)] int ImageWidth,
    [property: Id(3)] int ImageHeight) : GenerationUpdate;

/// <summary>Continue was asked of a generation awaiting review: the video stage runs with this seed, the listed objects on their edited paths.</summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-continued.v1")]
public sealed record GenerationContinued(
    [property: Id(0)] long Seed,
    [property: Id(1)] IReadOnlyList<int> EditedObjects) : GenerationUpdate;

/// <summary>The video's clean estimate after <paramref name="Step"/> of <paramref name="Steps"/> steps (frames side by side, PNG).</summary>
[GenerateSerializer, Immutable, Alias("ttm.video-previewed.v1")]
public sealed record VideoPreviewed(
    [property: Id(0)] int Step,
    [property: Id(1)] int Steps,
    [property: Id(2)] string FramesKey) : GenerationUpdate;

/// <summary>A piece (≤ 1 MB) of the fragmented MP4; the pieces in index order concatenate to a playable file.</summary>
[GenerateSerializer, Immutable, Alias("ttm.video-chunk-stored.v1")]
public sealed record VideoChunkStored(
    [property: Id(0)] int Index,
    [property: Id(1)] string ChunkKey,
    [property: Id(2)] bool IsLast) : GenerationUpdate;

/// <summary>The artifacts (kind → store key), the seconds each stage took, and where the device stages ran.</summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-completed.v1")]
public sealed record GenerationCompleted(
    [property: Id(0)] IReadOnlyDictionary<string, string> Artifacts,
    [property: Id(1)] IReadOnlyDictionary<GenerationStage, double> Seconds,
    [property: Id(2)] string Note) : GenerationUpdate;

[GenerateSerializer, Immutable, Alias("ttm.generation-failed.v1")]
public sealed record GenerationFailed(
    [property: Id(0)] GenerationStage Stage,
    [property: Id(1)] FailureCode Code,
    [property: Id(2)] string Message) : GenerationUpdate;

[GenerateSerializer, Immutable, Alias("ttm.generation-cancelled.v1")]
public sealed record GenerationCancelled(
    [property: Id(0)] GenerationStage Stage,
    [property: Id(1)] string Reason) : GenerationUpdate;
