using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Ttm.Gateway.Tenants;
using Ttm.Grains;
using Ttm.Protos.V1;
using GenerationEvent = Ttm.Protos.V1.GenerationEvent;
using GrainEvent = Ttm.Grains.GenerationEvent;

namespace Ttm.Gateway;

/// <summary>
/// ttm.v1.GenerationService over the generation grains. The uploaded image goes to the artifact store, the
/// grain runs the generation, and every event is streamed with its payload read back from the store. A
/// request the pipeline refuses (not an image, a truncated file, a dimension bomb, too many objects) fails
/// before its plan: the caller gets InvalidArgument with the pipeline's message. Every call is a tenant's
/// (<see cref="TenantAuthentication"/>): the tenant comes from the credential only, and another tenant's generation
/// is NotFound, exactly as one that does not exist.
/// </summary>
[Authorize(Policy = TenantAuthentication.Policy)]
public sealed class GenerationService(IClusterClient cluster, IArtifactStore store, EventMessages messages, IOptions<TenantPolicyOptions> policies)
    : Protos.V1.GenerationService.GenerationServiceBase
{
    public override async Task Generate(GenerateRequest request, IServerStreamWriter<GenerationEvent> responseStream, ServerCallContext context)
    {
        GenerationRequestValidator.Validate(request);
        var tenant = context.TenantOf();
        var policy = policies.Value.For(tenant);
        if (policy.MaxStepsPerRequest is > 0 and var maxSteps && StepsOf(request) > maxSteps)
            throw GenerationErrors.Exhausted("steps per request", $"motion_steps + video_steps is {StepsOf(request)}; tenant {tenant} may ask for at most {maxSteps} per request; ask for fewer.", null);
        var id = GenerationIds.For(tenant, request.RequestId);
        var grain = cluster.GetGrain<IGenerationGrain>(id);
        // A retry of an accepted request (same request id) is not a new admission.
        if ((await grain.GetStatusAsync()).CreatedAt is null) await AdmitAsync(tenant, id, policy);
        // Keyed by content: a request id reused with another image never overwrites the first generation's input.
        var imageKey = $"{id}/input-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(request.Image.Span))[..16].ToLowerInvariant()}";
        await store.PutAsync(imageKey, request.Image.Memory, context.CancellationToken);
        var spec = GenerationRequestValidator.ToSpec(request, tenant, imageKey) with { RetainFor = policy.RetainFor };
        try
        {
            await grain.StartAsync(spec); // the same request id and request again: the generation already there
        }
        catch (InvalidOperationException) when (request.RequestId.Length > 0)
        {
            throw GenerationErrors.RequestIdReused(request.RequestId);
        }
        await cluster.GetGrain<IGenerationIndexGrain>(tenant).AddAsync(id, (await grain.GetStatusAsync()).CreatedAt ?? DateTimeOffset.UtcNow);

        // Accepted (with the id) goes out at once; a request the pipeline then refuses ends the call with InvalidArgument,
        // and what it stored goes at once.
        await foreach (var e in grain.WatchAsync(0, context.CancellationToken).WithCancellation(context.CancellationToken))
        {
            if (GenerationErrors.Refusal(e.Update) is { } refused)
            {
                await grain.DeleteAsync();
                throw refused;
            }
            await Send(responseStream, id, e, context.CancellationToken);
        }
        await EndedOrDeleted(grain, id);
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<GenerationEvent> responseStream, ServerCallContext context)
    {
        var grain = await Existing(request.GenerationId, context);
        await foreach (var e in grain.WatchAsync(request.AfterSeq, context.CancellationToken).WithCancellation(context.CancellationToken))
            await Send(responseStream, request.GenerationId, e, context.CancellationToken);
        await EndedOrDeleted(grain, request.GenerationId);
    }

    public override async Task<DeleteResponse> Delete(DeleteRequest request, ServerCallContext context) => new()
    {
        GenerationId = request.GenerationId, BytesFreed = await (await Existing(request.GenerationId, context)).DeleteAsync(),
    };

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

    /// <summary>A stream that ends without the generation's end: it was deleted meanwhile (NotFound says so).</summary>
    static async Task EndedOrDeleted(IGenerationGrain grain, string id)
    {
        if ((await grain.GetStatusAsync()).CreatedAt is null) throw GenerationErrors.Deleted(id);
    }

    public override async Task<Generation> Get(GetRequest request, ServerCallContext context) =>
        EventMessages.ToMessage(await (await Existing(request.GenerationId, context)).GetStatusAsync());

    public override async Task<Generation> Cancel(CancelRequest request, ServerCallContext context) =>
        EventMessages.ToMessage(await (await Existing(request.GenerationId, context)).CancelAsync(request.Reason));

    public override async Task<ListResponse> List(ListRequest request, ServerCallContext context)
    {
        if (request.Limit < 0 || request.Limit > GenerationLimits.MaxListLimit)
            throw GenerationErrors.Invalid($"limit must lie in 1..{GenerationLimits.MaxListLimit} (0 for {GenerationLimits.DefaultListLimit}), not {request.Limit}.");
        GenerationPage page;
        try
        {
            page = await cluster.GetGrain<IGenerationIndexGrain>(context.TenantOf())
                .ListAsync(request.Limit == 0 ? GenerationLimits.DefaultListLimit : request.Limit, request.PageToken.Length == 0 ? null : request.PageToken);
        }
        catch (ArgumentException e)
        {
            throw GenerationErrors.Invalid(e.Message);
        }
        var response = new ListResponse { NextPageToken = page.NextPageToken ?? "" };
        foreach (var status in await Task.WhenAll(page.Ids.Select(id => cluster.GetGrain<IGenerationGrain>(id).GetStatusAsync())))
            response.Generations.Add(EventMessages.ToMessage(status));
        return response;
    }

    async Task Send(IServerStreamWriter<GenerationEvent> stream, string id, GrainEvent e, CancellationToken cancellationToken) =>
        await stream.WriteAsync(await messages.ToMessageAsync(id, e, cancellationToken), cancellationToken);

    /// <summary>The caller's generation of this id; NotFound when there is none, or it is another tenant's (no existence leak).</summary>
    async Task<IGenerationGrain> Existing(string id, ServerCallContext context)
    {
        GenerationIds.Require(id);
        var tenant = context.TenantOf();
        var grain = cluster.GetGrain<IGenerationGrain>(id);
        var status = await grain.GetStatusAsync();
        if (status.CreatedAt is null || status.Tenant != tenant) throw GenerationErrors.NotFound(id);
        return grain;
    }
}
