using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Protos.V1;
using GrainEvent = Ttm.Grains.GenerationEvent;
using ProtoEvent = Ttm.Protos.V1.GenerationEvent;

namespace Ttm.Gateway;

/// <summary>Grain events and statuses as ttm.v1 messages, the one mapper across that boundary: payloads are read back from the artifact store by key.</summary>
public sealed class EventMessages(IArtifactStore store)
{
    public async Task<ProtoEvent> ToMessageAsync(string id, GrainEvent e, CancellationToken cancellationToken)
    {
        var message = new ProtoEvent { GenerationId = id, Seq = e.Seq, Time = Timestamp.FromDateTimeOffset(e.At) };
        async Task<ByteString> Payload(string key) => UnsafeByteOperations.UnsafeWrap(await store.GetAsync(key, cancellationToken));
        switch (e.Update)
        {
            case GenerationAccepted a:
                message.Accepted = new Accepted { QueuePosition = a.QueuePosition, VariationOf = a.VariationOf ?? "" };
                break;
            case GenerationPlanned p:
                message.Plan = new Plan { Planner = p.Plan.Planner, MotionPrompt = p.Plan.MotionPrompt };
                message.Plan.Objects.AddRange(p.Plan.Objects.Select(o => new ObjectPlan { Name = o.Name, LocalPrompt = o.LocalPrompt }));
                break;
            case ObjectsSegmented s:
                message.Segmentation = new Segmentation { MaskPng = await Payload(s.MaskKey) };
                message.Segmentation.Objects.AddRange(s.Objects.Select(o => new GroundedObject { Name = o.Name, Method = o.Method, Detail = o.Detail, Area = o.Area }));
                break;
            case MotionPreviewed p:
                message.MotionPreview = new Preview { Step = p.Step, Steps = p.Steps, FramesPng = await Payload(p.FramesKey) };
                break;
            case TrajectoryFinished t:
                message.MotionDone = new Trajectory { FramesPng = await Payload(t.FramesKey) };
                break;
            case AwaitingReview r:
                message.AwaitingReview = new Review { TrajectoryPng = await Payload(r.TrajectoryKey), ImageWidth = r.ImageWidth, ImageHeight = r.ImageHeight };
                message.AwaitingReview.Objects.AddRange(r.Objects);
                break;
            case GenerationContinued c:
                message.Continued = new Continued { Seed = c.Seed };
                message.Continued.EditedObjects.AddRange(c.EditedObjects);
                break;
            case VideoPreviewed p:
                message.VideoPreview = new Preview { Step = p.Step, Steps = p.Steps, FramesPng = await Payload(p.FramesKey) };
                break;
            case VideoChunkStored c:
                message.VideoChunk = new VideoChunk { Index = c.Index, Data = await Payload(c.ChunkKey), Last = c.IsLast };
                break;
            case GenerationCompleted c:
                message.Completed = new Completed { Note = c.Note };
                message.Completed.Artifacts.Add(c.Artifacts.ToDictionary());
                foreach (var (stage, seconds) in c.Seconds) message.Completed.Seconds[stage.Name()] = seconds;
                break;
            case GenerationFailed f:
                message.Failed = new Failure { Stage = f.Stage.Name(), Code = f.Code.Name(), Message = f.Message };
                break;
            case GenerationCancelled c:
                message.Cancelled = new Cancelled { Reason = c.Reason, Stage = c.Stage.Name() };
                break;
            default:
                throw new InvalidOperationException($"No ttm.v1 message for {e.Update.GetType().Name}.");
        }
        return message;
    }

    public static Generation ToMessage(GenerationStatus s) => new()
    {
        GenerationId = s.Id, State = s.State.ToString(), Stage = s.Stage.Name(), LastSeq = s.LastSeq, Prompt = s.Prompt ?? "", Tenant = s.Tenant ?? "", Progress = s.Progress,
        VariationOf = s.VariationOf ?? "",
        Created = s.CreatedAt is { } c ? Timestamp.FromDateTimeOffset(c) : null,
    };
}
