using Grpc.Core;
using Ttm.Grains;
using Ttm.Protos.V1;
using GenerationEvent = Ttm.Protos.V1.GenerationEvent;
using GrainEvent = Ttm.Grains.GenerationEvent;

namespace Ttm.Gateway;

/// <summary>
/// ttm.v1.GenerationService over the generation grains. The uploaded image goes to the artifact store, the
/// grain runs the generation, and every event is streamed with its payload read back from the store. A
/// request the pipeline refuses (not an image, a truncated file, a dimension bomb, too many objects) fails
/// before its plan: the caller gets InvalidArgument with the pipeline's message.
/// </summary>
public sealed class GenerationService(IClusterClient cluster, IArtifactStore store, EventMessages messages) : Protos.V1.GenerationService.GenerationServiceBase
{
    public const string TenantHeader = "x-tenant";

    static string Tenant(ServerCallContext context) => context.RequestHeaders.GetValue(TenantHeader) is { Length: > 0 } t ? t : "default";

    public override async Task Generate(GenerateRequest request, IServerStreamWriter<GenerationEvent> responseStream, ServerCallContext context)
    {
        GenerationRequestValidator.Validate(request);
        var tenant = Tenant(context);
        var id = $"gen-{Guid.NewGuid():N}";
        var imageKey = $"{id}/input";
        await store.PutAsync(imageKey, request.Image.Memory, context.CancellationToken);
        var spec = GenerationRequestValidator.ToSpec(request, tenant, imageKey);
        var grain = cluster.GetGrain<IGenerationGrain>(id);
        await grain.StartAsync(spec);
        await cluster.GetGrain<IGenerationIndexGrain>(tenant).AddAsync(id);

        // Hold the first events until the pipeline has accepted the input, so a bad upload is an error, not a stream.
        var pending = new List<GrainEvent>();
        bool accepted = false;
        await foreach (var e in grain.WatchAsync(0, context.CancellationToken).WithCancellation(context.CancellationToken))
        {
            if (!accepted)
            {
                if (GenerationErrors.Refusal(e.Update) is { } refused) throw refused;
                pending.Add(e);
                if (e.Update is GenerationAccepted) continue;
                accepted = true;
                foreach (var p in pending) await Send(responseStream, id, p, context.CancellationToken);
                continue;
            }
            await Send(responseStream, id, e, context.CancellationToken);
        }
        foreach (var p in accepted ? [] : pending) await Send(responseStream, id, p, context.CancellationToken);
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<GenerationEvent> responseStream, ServerCallContext context)
    {
        var grain = await Existing(request.GenerationId);
        await foreach (var e in grain.WatchAsync(request.AfterSeq, context.CancellationToken).WithCancellation(context.CancellationToken))
            await Send(responseStream, request.GenerationId, e, context.CancellationToken);
    }

    public override async Task<Generation> Get(GetRequest request, ServerCallContext context) =>
        EventMessages.ToMessage(await (await Existing(request.GenerationId)).GetStatusAsync());

    public override async Task<Generation> Cancel(CancelRequest request, ServerCallContext context) =>
        EventMessages.ToMessage(await (await Existing(request.GenerationId)).CancelAsync(request.Reason));

    public override async Task<ListResponse> List(ListRequest request, ServerCallContext context)
    {
        if (request.Limit < 0 || request.Limit > GenerationLimits.MaxListLimit)
            throw GenerationErrors.Invalid($"limit must lie in 1..{GenerationLimits.MaxListLimit} (0 for {GenerationLimits.DefaultListLimit}), not {request.Limit}.");
        var ids = await cluster.GetGrain<IGenerationIndexGrain>(Tenant(context)).ListAsync(request.Limit == 0 ? GenerationLimits.DefaultListLimit : request.Limit);
        var response = new ListResponse();
        foreach (var id in ids) response.Generations.Add(EventMessages.ToMessage(await cluster.GetGrain<IGenerationGrain>(id).GetStatusAsync()));
        return response;
    }

    async Task Send(IServerStreamWriter<GenerationEvent> stream, string id, GrainEvent e, CancellationToken cancellationToken) =>
        await stream.WriteAsync(await messages.ToMessageAsync(id, e, cancellationToken), cancellationToken);

    async Task<IGenerationGrain> Existing(string id)
    {
        if (string.IsNullOrWhiteSpace(id)) throw GenerationErrors.Invalid("generation_id is empty.");
        var grain = cluster.GetGrain<IGenerationGrain>(id);
        var status = await grain.GetStatusAsync();
        if (status.CreatedAt is null) throw GenerationErrors.NotFound(id);
        return grain;
    }
}
