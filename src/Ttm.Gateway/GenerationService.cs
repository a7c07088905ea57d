using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Ttm.Gateway.Tenants;
using Ttm.Grains;
using Ttm.Protos.V1;
using GenerationEvent = Ttm.Protos.V1.GenerationEvent;
using GrainEvent = Ttm.Grains.GenerationEvent;

namespace Ttm.Gateway;

/// <summary>
/// ttm.v1.GenerationService: <see cref="TenantGenerations"/> over gRPC, every event streamed with its payload read back from
/// the store. A request the pipeline refuses (not an image, a truncated file, a dimension bomb, too many objects) fails
/// before its plan: the caller gets InvalidArgument with the pipeline's message. Every call is a tenant's
/// (<see cref="TenantAuthentication"/>): the tenant comes from the credential only, and another tenant's generation
/// is NotFound, exactly as one that does not exist.
/// </summary>
[Authorize(Policy = TenantAuthentication.Policy)]
public sealed class GenerationService(TenantGenerations generations, EventMessages messages) : Protos.V1.GenerationService.GenerationServiceBase
{
    public override async Task Generate(GenerateRequest request, IServerStreamWriter<GenerationEvent> responseStream, ServerCallContext context)
    {
        var (id, grain) = await generations.StartAsync(context.TenantOf(), request, context.CancellationToken);
        // Accepted (with the id) goes out at once; a request the pipeline then refuses ends the call with InvalidArgument.
        await SendAll(responseStream, id, TenantGenerations.EventsOfNewAsync(grain, id, context.CancellationToken), context.CancellationToken);
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<GenerationEvent> responseStream, ServerCallContext context)
    {
        var (grain, _) = await generations.ExistingAsync(context.TenantOf(), request.GenerationId);
        await SendAll(responseStream, request.GenerationId, TenantGenerations.EventsAsync(grain, request.GenerationId, request.AfterSeq, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task Continue(ContinueRequest request, IServerStreamWriter<GenerationEvent> responseStream, ServerCallContext context)
    {
        var (grain, after) = await generations.ContinueAsync(context.TenantOf(), request);
        await SendAll(responseStream, request.GenerationId, TenantGenerations.EventsAsync(grain, request.GenerationId, after, context.CancellationToken),
            context.CancellationToken);
    }

    public override async Task Vary(VaryRequest request, IServerStreamWriter<GenerationEvent> responseStream, ServerCallContext context)
    {
        var (id, grain) = await generations.VaryAsync(context.TenantOf(), request, context.CancellationToken);
        await SendAll(responseStream, id, TenantGenerations.EventsOfNewAsync(grain, id, context.CancellationToken), context.CancellationToken);
    }

    public override async Task<Generation> Get(GetRequest request, ServerCallContext context) =>
        EventMessages.ToMessage((await generations.ExistingAsync(context.TenantOf(), request.GenerationId)).Status);

    public override async Task<Generation> Cancel(CancelRequest request, ServerCallContext context) =>
        EventMessages.ToMessage(await generations.CancelAsync(context.TenantOf(), request.GenerationId, request.Reason));

    public override async Task<DeleteResponse> Delete(DeleteRequest request, ServerCallContext context) => new()
    {
        GenerationId = request.GenerationId, BytesFreed = await (await generations.ExistingAsync(context.TenantOf(), request.GenerationId)).Grain.DeleteAsync(),
    };

    public override async Task<ListResponse> List(ListRequest request, ServerCallContext context)
    {
        var (page, next) = await generations.ListAsync(context.TenantOf(), request.Limit, request.PageToken);
        var response = new ListResponse { NextPageToken = next ?? "" };
        response.Generations.Add(page.Select(EventMessages.ToMessage));
        return response;
    }

    async Task SendAll(IServerStreamWriter<GenerationEvent> stream, string id, IAsyncEnumerable<GrainEvent> events, CancellationToken cancellationToken)
    {
        await foreach (var e in events.WithCancellation(cancellationToken))
            await stream.WriteAsync(await messages.ToMessageAsync(id, e, cancellationToken), cancellationToken);
    }
}
