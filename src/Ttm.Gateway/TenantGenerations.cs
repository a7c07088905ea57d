using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Ttm.Gateway.Tenants;
using Ttm.Grains;
using Ttm.Protos.V1;
using GrainEvent = Ttm.Grains.GenerationEvent;

namespace Ttm.Gateway;

/// <summary>
/// What one authenticated tenant can do with generations, the one path behind both front doors (gRPC's
/// <see cref="GenerationService"/> and REST's <see cref="Videos.VideosApi"/>): check and admit a request, store its image,
/// start its grain, follow its events, find, list, cancel and delete its generations. Every refusal is a
/// <see cref="GenerationRefusal"/> from <see cref="GenerationErrors"/>, answered once for each API. A
/// generation started with stop_after_motion rests awaiting review until <see cref="ContinueAsync"/> runs its video stage.
/// </summary>
public sealed partial class TenantGenerations(IClusterClient cluster, IArtifactStore store, IOptions<TenantPolicyOptions> policies, UploadBudget uploads,
    ILogger<TenantGenerations> logger)
{
    /// <summary>
    /// Checks, admits and starts the request (or finds the one a retried request id already started). Nothing is stored
    /// before the request is admitted: a retry is recognised before any byte is written, a request id reused with another
    /// request writes nothing, and a request that does not start leaves no upload and frees its slot.
    /// </summary>
    public async Task<(string Id, IGenerationGrain Grain)> StartAsync(string tenant, GenerateRequest request, CancellationToken cancellationToken)
    {
        // The generation's trace starts here: the grain calls below (and the run they start) are its children.
        using var span = GatewayTracing.Source.StartActivity("admission");
        span?.SetTag(GenerationTrace.TenantTag, tenant);
        try
        {
            return await AdmitAndStartAsync(span, tenant, request, cancellationToken);
        }
        catch (GenerationRefusal refused)
        {
            span?.SetStatus(ActivityStatusCode.Error, refused.Message);
            LogRefused(logger, tenant, refused.Code, refused.Message);
            throw;
        }
    }

    async Task<(string Id, IGenerationGrain Grain)> AdmitAndStartAsync(Activity? span, string tenant, GenerateRequest request, CancellationToken cancellationToken)
    {
        GenerationRequestValidator.Validate(request);
        using var held = uploads.Take(request.Image.Length);
        var policy = policies.Value.For(tenant);
        if (policy.MaxStepsPerRequest is > 0 and var maxSteps && StepsOf(request) > maxSteps)
            throw GenerationErrors.Exhausted("steps per request", $"motion_steps + video_steps is {StepsOf(request)}; tenant {tenant} may ask for at most {maxSteps} per request; ask for fewer.", null);
        var id = GenerationIds.For(tenant, request.RequestId);
        span.OfGeneration(id, tenant);
        var grain = cluster.GetGrain<IGenerationGrain>(id);
        var digest = GenerationRequestValidator.DigestOf(request);
        // Keyed by the whole request: a request id reused with another request never names the first generation's input.
        var spec = GenerationRequestValidator.ToSpec(request, tenant, $"{id}/input-{digest[..16].ToLowerInvariant()}", digest,
            policy.DefaultStepCache) with { RetainFor = policy.RetainFor };
        if ((await grain.GetStatusAsync()).CreatedAt is not null)
            return (id, await StartOrReusedAsync(grain, spec, request)); // a retry: the generation already there, or ALREADY_EXISTS
        await AdmitAsync(tenant, id, policy);
        bool started = false;
        try
        {
            try
            {
                await store.PutAsync(spec.ImageKey, request.Image.Memory, cancellationToken);
            }
            catch (ArtifactStoreFullException e)
            {
                throw GenerationErrors.Exhausted("artifact-store", e.Message, retryAfter: null);
            }
            await StartOrReusedAsync(grain, spec, request);
            started = true;
        }
        finally
        {
            if (!started)
            {
                store.Delete(spec.ImageKey); // no other request has this key: it is this request's alone
                await cluster.GetGrain<ITenantGrain>(tenant).ReleaseAsync(id);
            }
        }
        await cluster.GetGrain<IGenerationIndexGrain>(tenant).AddAsync(id, (await grain.GetStatusAsync()).CreatedAt ?? DateTimeOffset.UtcNow);
        return (id, grain);
    }

    static async Task<IGenerationGrain> StartOrReusedAsync(IGenerationGrain grain, GenerationSpec spec, GenerateRequest request)
    {
        try
        {
            await grain.StartAsync(spec); // the same request id and request again: the generation already there
            return grain;
        }
        catch (InvalidOperationException) when (request.RequestId.Length > 0)
        {
            throw GenerationErrors.RequestIdReused(request.RequestId);
        }
    }

    /// <summary>Cancels the tenant's generation; the reason is checked like every stored input (printable, bounded).</summary>
    public async Task<GenerationStatus> CancelAsync(string tenant, string id, string reason)
    {
        if (reason.Length > GenerationLimits.MaxCancelReasonCharacters)
            throw GenerationErrors.Invalid($"reason has {reason.Length} characters; at most {GenerationLimits.MaxCancelReasonCharacters} are accepted.");
        if (reason.Any(char.IsControl)) throw GenerationErrors.Invalid("reason contains control characters; use printable text.");
        var (grain, _) = await ExistingAsync(tenant, id);
        return await grain.CancelAsync(reason);
    }

    /// <summary>
    /// Continues the tenant's generation awaiting review: each object's edited path (image pixels; scale 0 reads as 1) and the
    /// seed go to its grain, which checks them against the plan and the image and moves on once. Returns the seq after which
    /// the continued run's events follow. Nothing is stored for a refused Continue.
    /// </summary>
    public async Task<(IGenerationGrain Grain, long AfterSeq)> ContinueAsync(string tenant, ContinueRequest request)
    {
        if (request.Paths.Count > GenerationLimits.MaxHints)
            throw GenerationErrors.Invalid($"paths lists {request.Paths.Count}; at most {GenerationLimits.MaxHints} are accepted.");
        var (grain, _) = await ExistingAsync(tenant, request.GenerationId);
        var paths = new List<IReadOnlyList<float>?>();
        for (int k = 0; k < request.Paths.Count; k++)
        {
            var path = request.Paths[k];
            if (path.Object < 0 || path.Object >= GenerationLimits.MaxHints)
                throw GenerationErrors.Invalid($"paths[{k}] names object {path.Object}; objects are numbered from 0 as awaiting_review lists them (at most {GenerationLimits.MaxHints}).");
            while (paths.Count <= path.Object) paths.Add(null);
            if (paths[path.Object] is not null) throw GenerationErrors.Invalid($"paths[{k}] names object {path.Object} a second time; give each object one path.");
            paths[path.Object] = path.Points.SelectMany(p => new[] { p.T, p.X, p.Y, p.Scale == 0 ? 1f : p.Scale }).ToList();
        }
        try
        {
            return (grain, await grain.ContinueAsync(request.HasSeed ? request.Seed : null, paths));
        }
        catch (InvalidOperationException e)
        {
            throw GenerationErrors.NotReady(e.Message);
        }
        catch (ArgumentException e)
        {
            throw GenerationErrors.Invalid(e.Message);
        }
    }

    /// <summary>
    /// Starts a variation of the tenant's generation <see cref="VaryRequest.SourceId"/> (or finds the one a retried request id
    /// started): a generation of its own, admitted and charged as any, whose run is the video stage only, with another seed, on
    /// copies of the source's image and trajectory in its own folder (the source may be deleted meanwhile). A source that is
    /// not the tenant's is NotFound; one without a trajectory (not completed or awaiting review) FailedPrecondition.
    /// </summary>
    public async Task<(string Id, IGenerationGrain Grain)> VaryAsync(string tenant, VaryRequest request, CancellationToken cancellationToken)
    {
        if (request.RequestId.Length > GenerationLimits.MaxRequestIdCharacters || request.RequestId.Any(char.IsControl))
            throw GenerationErrors.Invalid($"request_id must be at most {GenerationLimits.MaxRequestIdCharacters} printable characters.");
        var (source, _) = await ExistingAsync(tenant, request.SourceId);
        VariationSource from;
        try
        {
            from = await source.VariationSourceAsync();
        }
        catch (InvalidOperationException e)
        {
            throw GenerationErrors.NotReady(e.Message);
        }
        var policy = policies.Value.For(tenant);
        if (policy.MaxStepsPerRequest is > 0 and var maxSteps && from.Spec.VideoSteps > maxSteps)
            throw GenerationErrors.Exhausted("steps per request", $"the source's video_steps is {from.Spec.VideoSteps}; tenant {tenant} may ask for at most {maxSteps} per request.", null);
        var id = GenerationIds.For(tenant, request.RequestId);
        var grain = cluster.GetGrain<IGenerationGrain>(id);
        // The request, not the seed it draws: a retry without a seed is the same request, and finds the variation it started.
        var digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $"vary\n{request.SourceId}\n{(request.HasSeed ? request.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) : "random")}")));
        string folder = $"{id}/variation-{digest[..16].ToLowerInvariant()}"; // this request's alone (a request id reused with another writes elsewhere)
        long seed = request.HasSeed ? request.Seed : Random.Shared.NextInt64();
        var spec = from.Spec with
        {
            Tenant = tenant, ImageKey = $"{folder}/input", Seed = seed, Digest = digest, StopAfterMotion = false, VariationOf = request.SourceId,
            RetainFor = policy.RetainFor,
        };
        var continuation = new GenerationContinuation(seed, from.Paths, from.Plan, $"{folder}/motion.bin");
        if ((await grain.GetStatusAsync()).CreatedAt is not null)
            return (id, await StartVariationOrReusedAsync(grain, spec, continuation, request.RequestId)); // a retry, or ALREADY_EXISTS
        using var held = uploads.Take(store.SizeOf(from.Spec.ImageKey) + store.SizeOf(from.TrajectoryKey));
        await AdmitAsync(tenant, id, policy);
        bool started = false;
        try
        {
            try
            {
                // Copies, charged to the tenant with the variation's folder: the source's time-to-live or Delete leaves them be.
                await store.PutAsync(spec.ImageKey, await store.GetAsync(from.Spec.ImageKey, cancellationToken), cancellationToken);
                await store.PutAsync(continuation.TrajectoryKey!, await store.GetAsync(from.TrajectoryKey, cancellationToken), cancellationToken);
            }
            catch (ArtifactStoreFullException e)
            {
                throw GenerationErrors.Exhausted("artifact-store", e.Message, retryAfter: null);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw GenerationErrors.Deleted(request.SourceId); // the source was deleted between the check and the copy
            }
            await StartVariationOrReusedAsync(grain, spec, continuation, request.RequestId);
            started = true;
        }
        finally
        {
            if (!started)
            {
                store.Delete(folder);
                await cluster.GetGrain<ITenantGrain>(tenant).ReleaseAsync(id);
            }
        }
        await cluster.GetGrain<IGenerationIndexGrain>(tenant).AddAsync(id, (await grain.GetStatusAsync()).CreatedAt ?? DateTimeOffset.UtcNow);
        return (id, grain);
    }

    static async Task<IGenerationGrain> StartVariationOrReusedAsync(IGenerationGrain grain, GenerationSpec spec, GenerationContinuation continuation, string requestId)
    {
        try
        {
            await grain.StartVariationAsync(spec, continuation);
            return grain;
        }
        catch (InvalidOperationException) when (requestId.Length > 0)
        {
            throw GenerationErrors.RequestIdReused(requestId);
        }
    }

    /// <summary>
    /// A new generation's events from the first: a request the pipeline refuses (not decodable, too many objects) ends the
    /// sequence with InvalidArgument, and what it stored is deleted at once.
    /// </summary>
    public static async IAsyncEnumerable<GrainEvent> EventsOfNewAsync(IGenerationGrain grain, string id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in grain.WatchAsync(0, cancellationToken).WithCancellation(cancellationToken))
        {
            if (GenerationErrors.Refusal(e.Update) is { } refused)
            {
                await grain.DeleteAsync();
                throw refused;
            }
            yield return e;
        }
        await EndedOrDeletedAsync(grain, id);
    }

    /// <summary>The events after <paramref name="afterSeq"/>, then live ones until the end (NotFound when it is deleted meanwhile).</summary>
    public static async IAsyncEnumerable<GrainEvent> EventsAsync(IGenerationGrain grain, string id, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in grain.WatchAsync(afterSeq, cancellationToken).WithCancellation(cancellationToken))
            yield return e;
        await EndedOrDeletedAsync(grain, id);
    }

    /// <summary>A stream that ends without the generation's end: it was deleted meanwhile (NotFound says so).</summary>
    static async Task EndedOrDeletedAsync(IGenerationGrain grain, string id)
    {
        if ((await grain.GetStatusAsync()).CreatedAt is null) throw GenerationErrors.Deleted(id);
    }

    /// <summary>The tenant's generation of this id and its status; NotFound when there is none, or it is another tenant's (no existence leak).</summary>
    public async Task<(IGenerationGrain Grain, GenerationStatus Status)> ExistingAsync(string tenant, string id)
    {
        GenerationIds.Require(id);
        var grain = cluster.GetGrain<IGenerationGrain>(id);
        var status = await grain.GetStatusAsync();
        if (status.CreatedAt is null || status.Tenant != tenant) throw GenerationErrors.NotFound(id);
        return (grain, status);
    }

    /// <summary>The tenant's generations, newest first: a page of <paramref name="limit"/> (0 for the default) after the token.</summary>
    public async Task<(IReadOnlyList<GenerationStatus> Page, string? NextPageToken)> ListAsync(string tenant, int limit, string? pageToken)
    {
        if (pageToken?.Length > GenerationLimits.MaxPageTokenCharacters)
            throw GenerationErrors.Invalid($"page_token has {pageToken.Length} characters; a token from a List response has at most {GenerationLimits.MaxPageTokenCharacters}.");
        if (limit < 0 || limit > GenerationLimits.MaxListLimit)
            throw GenerationErrors.Invalid($"limit must lie in 1..{GenerationLimits.MaxListLimit} (0 for {GenerationLimits.DefaultListLimit}), not {limit}.");
        GenerationPage page;
        try
        {
            page = await cluster.GetGrain<IGenerationIndexGrain>(tenant)
                .ListAsync(limit == 0 ? GenerationLimits.DefaultListLimit : limit, string.IsNullOrEmpty(pageToken) ? null : pageToken);
        }
        catch (ArgumentException e)
        {
            throw GenerationErrors.Invalid(e.Message);
        }
        return WithinBytes(await Task.WhenAll(page.Ids.Select(id => cluster.GetGrain<IGenerationGrain>(id).GetStatusAsync())), page);
    }

    /// <summary>
    /// A page is bounded in bytes as well as count: it stops before the generation that would take it past
    /// <see cref="GenerationLimits.MaxListPageBytes"/> (at least one is listed), and the next page starts there.
    /// </summary>
    public static (IReadOnlyList<GenerationStatus> Page, string? NextPageToken) WithinBytes(GenerationStatus[] statuses, GenerationPage page)
    {
        long bytes = 0;
        for (int i = 0; i < statuses.Length; i++)
            if ((bytes += ListedBytes(statuses[i])) > GenerationLimits.MaxListPageBytes && i > 0 && page.Tokens is { } tokens)
                return (statuses[..i], tokens[i - 1]);
        return (statuses, page.NextPageToken);
    }

    /// <summary>
    /// At most what one listed generation weighs in a response: its strings (UTF-8) and its end event's text at their
    /// bounds, and the fixed fields.
    /// </summary>
    static long ListedBytes(GenerationStatus status) =>
        System.Text.Encoding.UTF8.GetByteCount(status.Prompt ?? "") + status.Id.Length + (status.Tenant?.Length ?? 0)
        + 4 * GenerationLimits.MaxEventTextCharacters + 512;

    static int StepsOf(GenerateRequest r) =>
        (r.MotionSteps == 0 ? GenerationLimits.DefaultSteps : r.MotionSteps) + (r.VideoSteps == 0 ? GenerationLimits.DefaultSteps : r.VideoSteps);

    /// <summary>The cluster's bound on work in flight, then the tenant's own limits (its grain is their one authority).</summary>
    async Task AdmitAsync(string tenant, string id, TenantPolicy policy)
    {
        int maxInFlight = policies.Value.MaxInFlight;
        if (maxInFlight > 0 && (await cluster.GetGrain<IOpsMonitorGrain>(0).GetAsync()).GenerationsInFlight >= maxInFlight)
            throw GenerationErrors.Exhausted("cluster in flight", $"The cluster runs {maxInFlight} generations, as many as it accepts at once; retry shortly.", TimeSpan.FromSeconds(15));
        var admission = await cluster.GetGrain<ITenantGrain>(tenant).AdmitAsync(id, policy.Limits);
        if (!admission.Admitted) throw GenerationErrors.Exhausted(admission.Limit!, admission.Message!, admission.RetryAfter);
    }
}
