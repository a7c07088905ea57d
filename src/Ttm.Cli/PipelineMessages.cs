using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Ttm.Contracts;
using Ttm.Pipeline;
using Ttm.Pipeline.Encoding;
using Ttm.Protos.V1;
using PipelineCompleted = Ttm.Pipeline.Completed;
using PipelineVideoChunk = Ttm.Pipeline.VideoChunk;

namespace Ttm.Cli;

/// <summary>An in-process generation's events as the ttm.v1 messages a gateway would send, so one <see cref="Progress"/> view shows both.</summary>
static class PipelineMessages
{
    public static async IAsyncEnumerable<GenerationEvent> Of(IAsyncEnumerable<PipelineEvent> events)
    {
        long seq = 0;
        await foreach (var e in events)
        {
            var message = new GenerationEvent { GenerationId = "in-process", Seq = ++seq, Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
            switch (e)
            {
                case PlanReady p:
                    message.Plan = new Plan { Planner = p.Plan.Planner, MotionPrompt = p.Plan.MotionPrompt };
                    message.Plan.Objects.AddRange(p.Plan.Objects.Select(o => new ObjectPlan { Name = o.Name, LocalPrompt = o.LocalPrompt }));
                    break;
                case SegmentationReady s:
                    message.Segmentation = new Segmentation { MaskPng = UnsafeByteOperations.UnsafeWrap(s.MaskPng) };
                    message.Segmentation.Objects.AddRange(s.Objects.Select(o => new GroundedObject { Name = o.Name, Method = o.Method, Detail = o.Detail, Area = o.Mask?.Area ?? 0 }));
                    break;
                case StagePreview p:
                    var preview = new Preview { Step = p.Step, Steps = p.Steps, FramesPng = UnsafeByteOperations.UnsafeWrap(VideoEncoder.Png(p.Frames.Strip(), 0)) };
                    if (p.Stage == GenerationStage.Motion) message.MotionPreview = preview;
                    else message.VideoPreview = preview;
                    break;
                case MotionDone m:
                    message.MotionDone = new Trajectory { FramesPng = UnsafeByteOperations.UnsafeWrap(VideoEncoder.Png(m.Trajectory.Strip(), 0)) };
                    break;
                case PipelineVideoChunk c:
                    message.VideoChunk = new Protos.V1.VideoChunk { Index = c.Index, Data = UnsafeByteOperations.UnsafeWrap(c.Bytes), Last = c.IsLast };
                    break;
                case PipelineCompleted c:
                    message.Completed = new Protos.V1.Completed();
                    message.Completed.Artifacts.Add(c.Artifacts.ToDictionary());
                    foreach (var (stage, seconds) in c.Seconds) message.Completed.Seconds[stage.Name()] = seconds;
                    break;
                case Failed f:
                    message.Failed = new Failure { Stage = f.Stage.Name(), Code = "internal", Message = f.Reason };
                    break;
            }
            yield return message;
        }
    }
}
