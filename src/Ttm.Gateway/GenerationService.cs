using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
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
public sealed class GenerationService(IClusterClient cluster, IArtifactStore store) : Protos.V1.GenerationService.GenerationServiceBase
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
        var spec = new GenerationSpec(tenant, imageKey, request.Prompt, request.HasSeed ? request.Seed : Random.Shared.NextInt64(),
            request.MotionSteps == 0 ? 16 : request.MotionSteps, request.VideoSteps == 0 ? 16 : request.VideoSteps,
            request.MotionGuidance?.Visual ?? 1.5f, request.MotionGuidance?.Text ?? 3f,
            request.VideoGuidance?.Visual ?? 1.5f, request.VideoGuidance?.Text ?? 3f,
            request.PreviewEvery == 0 ? 4 : Math.Max(0, request.PreviewEvery), request.PreviewSize == 0 ? 256 : request.PreviewSize,
            request.Formats.Count == 0 ? ["Mp4"] : request.Formats.Select(Format).ToList(),
            request.Hints.Select(h => (ObjectHintSpec?)new ObjectHintSpec(h.Points.SelectMany(p => new[] { p.X, p.Y }).ToList(),
                h.Box is null ? null : [h.Box.X0, h.Box.Y0, h.Box.X1, h.Box.Y1])).ToList(),
            Convert.ToHexString(SHA256.HashData(request.ToByteArray())),
            request.DeadlineSeconds > 0 ? TimeSpan.FromSeconds(request.DeadlineSeconds) : null);
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
                if (e.Kind == GenerationEventKind.Failed && e.Code == "invalid_argument")
                    throw GenerationRequestValidator.Invalid(e.Text ?? "The request was refused.");
                pending.Add(e);
                if (e.Kind == GenerationEventKind.Accepted) continue;
                accepted = true;
                foreach (var p in pending) await responseStream.WriteAsync(await ToMessage(id, p, context.CancellationToken), context.CancellationToken);
                continue;
            }
            await responseStream.WriteAsync(await ToMessage(id, e, context.CancellationToken), context.CancellationToken);
        }
        foreach (var p in accepted ? [] : pending) await responseStream.WriteAsync(await ToMessage(id, p, context.CancellationToken), context.CancellationToken);
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<GenerationEvent> responseStream, ServerCallContext context)
    {
        var grain = await Existing(request.GenerationId);
        await foreach (var e in grain.WatchAsync(request.AfterSeq, context.CancellationToken).WithCancellation(context.CancellationToken))
            await responseStream.WriteAsync(await ToMessage(request.GenerationId, e, context.CancellationToken), context.CancellationToken);
    }

    public override async Task<Generation> Get(GetRequest request, ServerCallContext context) =>
        ToMessage(await (await Existing(request.GenerationId)).GetStatusAsync());

    public override async Task<Generation> Cancel(CancelRequest request, ServerCallContext context) =>
        ToMessage(await (await Existing(request.GenerationId)).CancelAsync(request.Reason));

    public override async Task<ListResponse> List(ListRequest request, ServerCallContext context)
    {
        var ids = await cluster.GetGrain<IGenerationIndexGrain>(Tenant(context)).ListAsync(request.Limit <= 0 ? 50 : Math.Min(request.Limit, 500));
        var response = new ListResponse();
        foreach (var id in ids) response.Generations.Add(ToMessage(await cluster.GetGrain<IGenerationGrain>(id).GetStatusAsync()));
        return response;
    }

    async Task<IGenerationGrain> Existing(string id)
    {
        if (string.IsNullOrWhiteSpace(id)) throw GenerationRequestValidator.Invalid("generation_id is empty.");
        var grain = cluster.GetGrain<IGenerationGrain>(id);
        var status = await grain.GetStatusAsync();
        if (status.CreatedAt is null)
            throw new RpcException(new Status(StatusCode.NotFound, $"No generation '{id}'. Ids come from the accepted event of Generate, or from List."));
        return grain;
    }

    static string Format(VideoFormat format) => format switch
    {
        VideoFormat.Webm => "WebM",
        VideoFormat.Gif => "Gif",
        VideoFormat.PngFrames => "PngFrames",
        _ => "Mp4",
    };

    static Generation ToMessage(GenerationStatus s) => new()
    {
        GenerationId = s.Id, State = s.State.ToString(), LastSeq = s.LastSeq, Prompt = s.Prompt ?? "",
        Created = s.CreatedAt is { } c ? Timestamp.FromDateTimeOffset(c) : null,
    };

    async Task<GenerationEvent> ToMessage(string id, GrainEvent e, CancellationToken cancellationToken)
    {
        var message = new GenerationEvent { GenerationId = id, Seq = e.Seq, Time = Timestamp.FromDateTimeOffset(e.At) };
        async Task<ByteString> Payload() => e.ArtifactKey is null ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(await store.GetAsync(e.ArtifactKey, cancellationToken));
        switch (e.Kind)
        {
            case GenerationEventKind.Accepted:
                message.Accepted = new Accepted { QueuePosition = e.Step };
                break;
            case GenerationEventKind.Plan:
                message.Plan = PlanMessage(e.Text);
                break;
            case GenerationEventKind.Segmentation:
                message.Segmentation = new Segmentation { MaskPng = await Payload() };
                foreach (var o in System.Text.Json.JsonDocument.Parse(e.Text ?? "[]").RootElement.EnumerateArray())
                    message.Segmentation.Objects.Add(new GroundedObject
                    {
                        Name = o.GetProperty("name").GetString(), Method = o.GetProperty("method").GetString(),
                        Detail = o.GetProperty("detail").GetString(), Area = o.GetProperty("area").GetInt32(),
                    });
                break;
            case GenerationEventKind.MotionPreview:
                message.MotionPreview = new Preview { Step = e.Step, Steps = e.Steps, FramesPng = await Payload() };
                break;
            case GenerationEventKind.MotionDone:
                message.MotionDone = new Trajectory { FramesPng = await Payload() };
                break;
            case GenerationEventKind.VideoPreview:
                message.VideoPreview = new Preview { Step = e.Step, Steps = e.Steps, FramesPng = await Payload() };
                break;
            case GenerationEventKind.VideoChunk:
                message.VideoChunk = new Protos.V1.VideoChunk { Index = e.Step, Data = await Payload(), Last = e.IsLast };
                break;
            case GenerationEventKind.Completed:
                message.Completed = new Protos.V1.Completed();
                foreach (var (k, v) in e.Artifacts ?? new Dictionary<string, string>()) message.Completed.Artifacts[k] = v;
                foreach (var (k, v) in e.Seconds ?? new Dictionary<string, double>()) message.Completed.Seconds[k] = v;
                break;
            case GenerationEventKind.Failed:
                message.Failed = new Failure { Stage = e.Stage ?? "", Code = e.Code ?? "internal", Message = e.Text ?? "" };
                break;
            case GenerationEventKind.Cancelled:
                message.Cancelled = new Cancelled { Reason = e.Text ?? "" };
                break;
        }
        return message;
    }

    static Protos.V1.Plan PlanMessage(string? json)
    {
        var plan = new Protos.V1.Plan();
        if (json is null) return plan;
        var root = System.Text.Json.JsonDocument.Parse(json).RootElement;
        plan.Planner = root.GetProperty("planner").GetString();
        plan.MotionPrompt = root.GetProperty("motion_prompt").GetString();
        foreach (var o in root.GetProperty("objects").EnumerateArray())
            plan.Objects.Add(new ObjectPlan { Name = o.GetProperty("name").GetString(), LocalPrompt = o.GetProperty("local_prompt").GetString() });
        return plan;
    }
}
