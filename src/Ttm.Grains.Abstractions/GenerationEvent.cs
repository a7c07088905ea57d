namespace Ttm.Grains;

/// <summary>Where a generation is in its life.</summary>
public enum GenerationState { Queued, Planning, Segmenting, Motion, Video, Encoding, Completed, Failed, Cancelled }

/// <summary>What kind of partial result an event carries.</summary>
public enum GenerationEventKind { Accepted, Plan, Segmentation, MotionPreview, MotionDone, VideoPreview, VideoChunk, Completed, Failed, Cancelled }

/// <summary>
/// One entry of a generation's event log: numbered from 1 without gaps, so a watcher that saw up to seq N
/// asks for the rest with Watch(N). Large payloads stay in the artifact store; <see cref="ArtifactKey"/> names them.
/// </summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-event.v1")]
public sealed record GenerationEvent(
    [property: Id(0)] long Seq,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] GenerationEventKind Kind,
    [property: Id(3)] string? Text = null,                              // plan JSON, failure message, cancel reason
    [property: Id(4)] int Step = 0,
    [property: Id(5)] int Steps = 0,
    [property: Id(6)] string? ArtifactKey = null,                       // preview PNG, chunk, mask image
    [property: Id(7)] IReadOnlyDictionary<string, string>? Artifacts = null,
    [property: Id(8)] IReadOnlyDictionary<string, double>? Seconds = null,
    [property: Id(9)] string? Stage = null,
    [property: Id(10)] string? Code = null,
    [property: Id(11)] bool IsLast = false);

/// <summary>A generation at a glance.</summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-status.v1")]
public sealed record GenerationStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] GenerationState State,
    [property: Id(2)] long LastSeq,
    [property: Id(3)] string? Tenant,
    [property: Id(4)] string? Prompt,
    [property: Id(5)] DateTimeOffset? CreatedAt);
