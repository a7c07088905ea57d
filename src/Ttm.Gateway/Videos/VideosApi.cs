using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Ttm.Contracts;
using Ttm.Gateway.Tenants;
using Ttm.Grains;

namespace Ttm.Gateway.Videos;

/// <summary>
/// The OpenAI-style jobs API for video on the gateway's HTTP/1.1 port: <see cref="TenantGenerations"/> over REST, with the
/// same API keys (or JWTs), rate limits, quotas and errors as gRPC. Create with a multipart form; read the job, the list
/// (newest first), the event log as Server-Sent Events, the content (range requests); continue one awaiting review; vary one; cancel; delete.
/// </summary>
public static class VideosApi
{
    public const string Prefix = "/v1/videos";

    /// <summary>How long POST waits for the plan, so a request the pipeline refuses is a 400 and not a job that fails.</summary>
    static readonly TimeSpan PlanWait = TimeSpan.FromSeconds(20);

    public static RouteGroupBuilder MapVideosApi(this IEndpointRouteBuilder app)
    {
        var videos = app.MapGroup(Prefix).WithTags("videos")
            .RequireAuthorization(TenantAuthentication.Policy).RequireRateLimiting(TenantRateLimits.Policy)
            .AddEndpointFilter(RestErrors.Filter);
        videos.MapPost("", Create).WithName("CreateVideo").DisableAntiforgery()
            .WithMetadata(new RequestSizeLimitAttribute(GenerationLimits.MaxImageBytes + 1024 * 1024))
            .WithSummary("Start a generation from an image and a sentence")
            .Produces<VideoJob>().Produces<RestError>(StatusCodes.Status400BadRequest).Produces<RestError>(StatusCodes.Status409Conflict).AnyCallErrors();
        videos.MapGet("", List).WithName("ListVideos").WithSummary("The caller's jobs, newest first")
            .Produces<VideoJobList>().Produces<RestError>(StatusCodes.Status400BadRequest).AnyCallErrors();
        videos.MapGet("/{id}", Get).WithName("GetVideo").WithSummary("One job").Produces<VideoJob>().Produces<RestError>(StatusCodes.Status404NotFound).AnyCallErrors();
        videos.MapGet("/{id}/content", Content).WithName("GetVideoContent").WithSummary("The finished video (or ?variant=trajectory|overlay|webm|gif|summary), with range requests")
            .Produces(StatusCodes.Status200OK, contentType: "video/mp4").Produces(StatusCodes.Status206PartialContent, contentType: "video/mp4")
            .Produces<RestError>(StatusCodes.Status400BadRequest).Produces<RestError>(StatusCodes.Status404NotFound).AnyCallErrors();
        videos.MapGet("/{id}/events", Events).WithName("GetVideoEvents")
            .WithSummary("The event log as Server-Sent Events (id = seq; Last-Event-ID or ?after= resumes), until the generation ends")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").Produces<RestError>(StatusCodes.Status404NotFound).AnyCallErrors();
        videos.MapPost("/{id}/cancel", Cancel).WithName("CancelVideo").WithSummary("Stop a running generation within one denoising step")
            .Produces<VideoJob>().Produces<RestError>(StatusCodes.Status404NotFound).AnyCallErrors();
        videos.MapPost("/{id}/continue", Continue).WithName("ContinueVideo")
            .WithSummary("Run the video stage of a job awaiting review (stop_after_motion) on its trajectory, edited objects on their new paths")
            .Produces<VideoJob>().Produces<RestError>(StatusCodes.Status400BadRequest).Produces<RestError>(StatusCodes.Status404NotFound).AnyCallErrors();
        videos.MapPost("/{id}/variations", Vary).WithName("VaryVideo")
            .WithSummary("Another video from a completed job's (or one awaiting review's) trajectory with another seed: a new job, the video stage only")
            .Produces<VideoJob>().Produces<RestError>(StatusCodes.Status400BadRequest).Produces<RestError>(StatusCodes.Status404NotFound)
            .Produces<RestError>(StatusCodes.Status409Conflict).AnyCallErrors();
        videos.MapDelete("/{id}", Delete).WithName("DeleteVideo").WithSummary("Cancel if running, then remove its artifacts, events and state")
            .Produces<VideoDeleted>().Produces<RestError>(StatusCodes.Status404NotFound).AnyCallErrors();
        return videos;
    }

    /// <summary>What any call can answer: no tenant credential, over the tenant's rate.</summary>
    static RouteHandlerBuilder AnyCallErrors(this RouteHandlerBuilder endpoint) =>
        endpoint.Produces<RestError>(StatusCodes.Status401Unauthorized).Produces<RestError>(StatusCodes.Status429TooManyRequests);

    static async Task<VideoJob> Create([AsParameters] VideoRequestForm form, HttpContext http, TenantGenerations generations)
    {
        var tenant = http.TenantOf();
        var request = await form.ToRequestAsync(http.RequestAborted);
        var (id, grain) = await generations.StartAsync(tenant, request, http.RequestAborted);
        // Until the plan (a request the pipeline refuses throws InvalidArgument here, and is deleted), or a while under load.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        wait.CancelAfter(PlanWait);
        try
        {
            await foreach (var e in TenantGenerations.EventsOfNewAsync(grain, id, wait.Token))
                if (e.Update is not GenerationAccepted) break;
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested) { } // queued behind others: the job says so
        return await JobOf(grain, await grain.GetStatusAsync());
    }

    static async Task<VideoJobList> List(HttpContext http, TenantGenerations generations, IClusterClient cluster,
        [Description("1..500; default 50")] int? limit, [Description("The cursor of the page before (its after)")] string? after)
    {
        var (page, next) = await generations.ListAsync(http.TenantOf(), limit ?? 0, after);
        var jobs = await Task.WhenAll(page.Select(s => JobOf(cluster.GetGrain<IGenerationGrain>(s.Id), s)));
        return new VideoJobList("list", jobs, next is not null, next);
    }

    static async Task<VideoJob> Get(string id, HttpContext http, TenantGenerations generations)
    {
        var (grain, status) = await generations.ExistingAsync(http.TenantOf(), id);
        return await JobOf(grain, status);
    }

    static async Task<IResult> Content(string id, HttpContext http, TenantGenerations generations, IArtifactStore store,
        [Description("video (default), trajectory, overlay, webm, gif or summary")] string? variant)
    {
        var (grain, status) = await generations.ExistingAsync(http.TenantOf(), id);
        var name = string.IsNullOrEmpty(variant) ? "video" : variant;
        if (!VideoVariants.All.TryGetValue(name, out var kind))
            throw GenerationErrors.Invalid($"variant must be one of {string.Join(", ", VideoVariants.All.Keys)}, not '{name}'.");
        if (status.State != GenerationState.Completed || await EndOf(grain, status) is not GenerationCompleted completed)
            throw GenerationErrors.NotReady(
                $"Generation '{id}' is {VideoJob.StatusOf(status.State)} ({status.Stage.Name()}, {status.Progress} %); its content exists once it has completed.");
        if (!completed.Artifacts.TryGetValue(kind.Kind, out var key))
            throw GenerationErrors.Invalid($"Generation '{id}' has no {name} (it has {string.Join(", ", VideoVariants.Available(completed.Artifacts))}; ask for other formats when creating it).");
        var extension = Path.GetExtension(key);
        return Results.File(store.PathOf(key), kind.ContentType, fileDownloadName: $"{id}-{name}{extension}", enableRangeProcessing: true);
    }

    static async Task Events(string id, HttpContext http, TenantGenerations generations, EventMessages messages,
        [Description("Resume after this seq (the Last-Event-ID header wins)")] long? after)
    {
        var (grain, _) = await generations.ExistingAsync(http.TenantOf(), id);
        long from = VideoEventStream.ResumeAfter(http.Request, after);
        if (from < 0) throw GenerationErrors.Invalid($"after must be a seq ≥ 0, not {from}.");
        await VideoEventStream.WriteAsync(http.Response, id, TenantGenerations.EventsAsync(grain, id, from, http.RequestAborted), messages, http.RequestAborted);
    }

    static async Task<VideoJob> Cancel(string id, HttpContext http, TenantGenerations generations, IClusterClient cluster)
    {
        var status = await generations.CancelAsync(http.TenantOf(), id, "cancelled by request");
        return await JobOf(cluster.GetGrain<IGenerationGrain>(id), status);
    }

    /// <summary>Continues a job awaiting review; answers the job, now in progress (its events follow at /events after the seq it had).</summary>
    static async Task<VideoJob> Continue(string id, VideoContinuation? body, HttpContext http, TenantGenerations generations)
    {
        var (grain, _) = await generations.ContinueAsync(http.TenantOf(), (body ?? new VideoContinuation(null, null)).ToRequest(id));
        return await JobOf(grain, await grain.GetStatusAsync());
    }

    /// <summary>Starts a variation of a job; answers the new job (its events at its own /events, accepted naming the source).</summary>
    static async Task<VideoJob> Vary(string id, VideoVariation? body, HttpContext http, TenantGenerations generations)
    {
        var (_, grain) = await generations.VaryAsync(http.TenantOf(), (body ?? new VideoVariation(null, null)).ToRequest(id), http.RequestAborted);
        return await JobOf(grain, await grain.GetStatusAsync());
    }

    static async Task<VideoDeleted> Delete(string id, HttpContext http, TenantGenerations generations)
    {
        var (grain, _) = await generations.ExistingAsync(http.TenantOf(), id);
        return new VideoDeleted(id, "video.deleted", true, await grain.DeleteAsync());
    }

    static async Task<VideoJob> JobOf(IGenerationGrain grain, GenerationStatus status) =>
        VideoJob.From(status, status.State.IsTerminal() ? await EndOf(grain, status) : null);

    /// <summary>An ended generation's last event: its completion (the artifacts), failure or cancellation.</summary>
    static async Task<GenerationUpdate?> EndOf(IGenerationGrain grain, GenerationStatus status)
    {
        if (status.LastSeq == 0) return null;
        await foreach (var e in grain.WatchAsync(status.LastSeq - 1)) return e.Update;
        return null;
    }
}
