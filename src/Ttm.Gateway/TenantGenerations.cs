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
/// start its grain, follow its events, find, list, cancel and delete its generations. Every refusal is an
/// <see cref="Grpc.Core.RpcException"/> from <see cref="GenerationErrors"/>; REST answers the same status as HTTP.
/// </summary>
public sealed class TenantGenerations(IClusterClient cluster, IArtifactStore store, IOptions<TenantPolicyOptions> policies)
{
    /// <summary>Checks, admits and starts the request (or finds the one a retried request id already started).</summary>
    public async Task<(string Id, IGenerationGrain Grain)> StartAsync(string tenant, GenerateRequest request, CancellationToken cancellationToken)
    {
        GenerationRequestValidator.Validate(request);
        var policy = policies.Value.For(tenant);
        if (policy.MaxStepsPerRequest is > 0 and var maxSteps && StepsOf(request) > maxSteps)
            throw GenerationErrors.Exhausted("steps per request", $"motion_steps + video_steps is {StepsOf(request)}; tenant {tenant} may ask for at most {maxSteps} per request; ask for fewer.", null);
        var id = GenerationIds.For(tenant, request.RequestId);
        var grain = cluster.GetGrain<IGenerationGrain>(id);
        // A retry of an accepted request (same request id) is not a new admission.
        if ((await grain.GetStatusAsync()).CreatedAt is null) await AdmitAsync(tenant, id, policy);
        // Keyed by content: a request id reused with another image never overwrites the first generation's input.
        var imageKey = $"{id}/input-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(request.Image.Span))[..16].ToLowerInvariant()}";
        await store.PutAsync(imageKey, request.Image.Memory, cancellationToken);
        var spec = GenerationRequestValidator.ToSpec(request, tenant, imageKey, policy.StepCache ?? GenerationLimits.StepCaches[0]) with { RetainFor = policy.RetainFor };
        try
        {
            await grain.StartAsync(spec); // the same request id and request again: the generation already there
        }
        catch (InvalidOperationException) when (request.RequestId.Length > 0)
        {
            throw GenerationErrors.RequestIdReused(request.RequestId);
        }
        await cluster.GetGrain<IGenerationIndexGrain>(tenant).AddAsync(id, (await grain.GetStatusAsync()).CreatedAt ?? DateTimeOffset.UtcNow);
        return (id, grain);
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
        return (await Task.WhenAll(page.Ids.Select(id => cluster.GetGrain<IGenerationGrain>(id).GetStatusAsync())), page.NextPageToken);
    }

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
