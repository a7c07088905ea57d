using System.ComponentModel;
using Ttm.Contracts;
using Ttm.Grains;

namespace Ttm.Gateway.Videos;

/// <summary>
/// A generation as the OpenAI-style jobs API shows it (<c>object: "video"</c>), read from the grain's status and, once it has
/// ended, its last event (the failure, or the artifacts that <c>/content</c> serves).
/// </summary>
public sealed record VideoJob(
    [property: Description("The generation id; the same one gRPC's Watch, Get, Cancel and Delete take.")] string Id,
    [property: Description("Always \"video\".")] string Object,
    [property: Description("queued, in_progress, awaiting_review (stop_after_motion: POST …/continue runs the video), completed, failed or cancelled.")] string Status,
    [property: Description("0..100 from the generation's events (stage 1 to 45, stage 2 to 90, completed 100).")] int Progress,
    [property: Description("Unix seconds.")] long CreatedAt,
    string Prompt,
    [property: Description("Where it runs, or where it ended: plan, segment, motion, video or encode.")] string Stage,
    [property: Description("The seq of its last event (GET /v1/videos/{id}/events resumes after any seq).")] long LastSeq,
    [property: Description("Once completed: the variants GET /v1/videos/{id}/content?variant=… serves.")] IReadOnlyList<string>? Variants,
    [property: Description("Why it failed or was cancelled.")] RestErrorDetail? Error,
    [property: Description("A variation (POST /v1/videos/{id}/variations): the job whose trajectory it was rendered from.")] string? VariationOf = null)
{
    public static VideoJob From(GenerationStatus status, GenerationUpdate? end) => new(
        status.Id, "video", StatusOf(status.State), status.Progress, status.CreatedAt?.ToUnixTimeSeconds() ?? 0, status.Prompt ?? "", status.Stage.Name(),
        status.LastSeq,
        end is GenerationCompleted completed ? VideoVariants.Available(completed.Artifacts) : null,
        end switch
        {
            GenerationFailed f => new RestErrorDetail(RestErrors.CodeOf(GenerationErrors.StatusOf(f.Code)), $"{f.Stage.Name()}: {f.Message}"),
            GenerationCancelled c => new RestErrorDetail("cancelled", $"{c.Stage.Name()}: {c.Reason}"),
            _ => null,
        }, status.VariationOf);

    public static string StatusOf(GenerationState state) => state switch
    {
        GenerationState.Queued => "queued",
        GenerationState.Running => "in_progress",
        GenerationState.AwaitingReview => "awaiting_review",
        GenerationState.Completed => "completed",
        GenerationState.Failed => "failed",
        _ => "cancelled",
    };
}

/// <summary>A page of the caller's jobs, newest first (<c>object: "list"</c>); <see cref="After"/> is the next page's cursor.</summary>
public sealed record VideoJobList(string Object, IReadOnlyList<VideoJob> Data, bool HasMore,
    [property: Description("Pass as ?after= for the next page; null after the last.")] string? After);

/// <summary>What <c>DELETE /v1/videos/{id}</c> answers.</summary>
public sealed record VideoDeleted(string Id, string Object, bool Deleted, long BytesFreed);

/// <summary>The content variants a completed generation has, by the artifact kinds the encoder wrote.</summary>
public static class VideoVariants
{
    /// <summary>variant → (artifact kind, content type); "video" is the MP4.</summary>
    public static readonly IReadOnlyDictionary<string, (string Kind, string ContentType)> All = new Dictionary<string, (string, string)>
    {
        ["video"] = ("mp4", "video/mp4"),
        ["webm"] = ("webm", "video/webm"),
        ["gif"] = ("gif", "image/gif"),
        ["trajectory"] = ("trajectory", "video/mp4"),
        ["overlay"] = ("overlay", "video/mp4"),
        ["summary"] = ("summary", "application/json"),
    }.AsReadOnly();

    public static IReadOnlyList<string> Available(IReadOnlyDictionary<string, string> artifacts) =>
        All.Where(v => artifacts.ContainsKey(v.Value.Kind)).Select(v => v.Key).ToList();
}
