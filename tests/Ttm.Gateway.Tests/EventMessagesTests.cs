using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Hosting;
using GrainEvent = Ttm.Grains.GenerationEvent;
using ProtoEvent = Ttm.Protos.V1.GenerationEvent;

namespace Ttm.Gateway.Tests;

/// <summary>The gateway's one mapper from grain events to ttm.v1 messages: every kind of update has its oneof case, with its payload read by key.</summary>
public sealed class EventMessagesTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("ttm-messages-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task EveryKindOfUpdate_BecomesItsOneofCase_WithItsPayload()
    {
        var store = new DirectoryArtifactStore(root);
        await store.PutAsync("g/mask.png", new byte[] { 1, 2 }, CancellationToken.None);
        await store.PutAsync("g/frames.png", new byte[] { 3 }, CancellationToken.None);
        await store.PutAsync("g/chunk.mp4", new byte[] { 4, 5, 6 }, CancellationToken.None);
        var updates = new (GenerationUpdate Update, ProtoEvent.EventOneofCase Case)[]
        {
            (new GenerationAccepted(3), ProtoEvent.EventOneofCase.Accepted),
            (new GenerationPlanned(new PromptPlan("c", "moves left", [new ObjectPrompt("red square", "a red square moves left", "red", "square", "left")], "rules")), ProtoEvent.EventOneofCase.Plan),
            (new ObjectsSegmented("g/mask.png", [new SegmentedObject("red square", "colour", "red blob", 42)]), ProtoEvent.EventOneofCase.Segmentation),
            (new MotionPreviewed(4, 16, "g/frames.png"), ProtoEvent.EventOneofCase.MotionPreview),
            (new TrajectoryFinished("g/frames.png"), ProtoEvent.EventOneofCase.MotionDone),
            (new VideoPreviewed(8, 16, "g/frames.png"), ProtoEvent.EventOneofCase.VideoPreview),
            (new VideoChunkStored(2, "g/chunk.mp4", true), ProtoEvent.EventOneofCase.VideoChunk),
            (new GenerationCompleted(new Dictionary<string, string> { ["mp4"] = "g/video.mp4" }, new Dictionary<GenerationStage, double> { [GenerationStage.Segment] = 0.5 }, "ran on s1"), ProtoEvent.EventOneofCase.Completed),
            (new GenerationFailed(GenerationStage.Segment, FailureCode.Interrupted, "lost"), ProtoEvent.EventOneofCase.Failed),
            (new GenerationCancelled(GenerationStage.Video, "stop"), ProtoEvent.EventOneofCase.Cancelled),
            (new AwaitingReview("g/frames.png", ["red square", "white square"], 640, 480), ProtoEvent.EventOneofCase.AwaitingReview),
            (new GenerationContinued(77, [1]), ProtoEvent.EventOneofCase.Continued),
        };
        // A new kind of update without a case here (and in the mapper) fails this line.
        Assert.Equal(typeof(GenerationUpdate).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(GenerationUpdate))).OrderBy(t => t.Name),
            updates.Select(u => u.Update.GetType()).OrderBy(t => t.Name));

        var messages = new EventMessages(store);
        var mapped = new List<ProtoEvent>();
        for (int i = 0; i < updates.Length; i++)
            mapped.Add(await messages.ToMessageAsync("g", new GrainEvent(i + 1, DateTimeOffset.UnixEpoch, updates[i].Update), CancellationToken.None));

        Assert.Equal(updates.Select(u => u.Case), mapped.Select(m => m.EventCase));
        Assert.Equal(Enumerable.Range(1, updates.Length).Select(i => (long)i), mapped.Select(m => m.Seq));
        Assert.Equal(3, mapped[0].Accepted.QueuePosition);
        Assert.Equal(("moves left", "red square", "a red square moves left"), (mapped[1].Plan.MotionPrompt, mapped[1].Plan.Objects[0].Name, mapped[1].Plan.Objects[0].LocalPrompt));
        Assert.Equal([1, 2], mapped[2].Segmentation.MaskPng.ToByteArray());
        Assert.Equal(("colour", 42), (mapped[2].Segmentation.Objects[0].Method, mapped[2].Segmentation.Objects[0].Area));
        Assert.Equal((4, 16, 1), (mapped[3].MotionPreview.Step, mapped[3].MotionPreview.Steps, mapped[3].MotionPreview.FramesPng.Length));
        Assert.Equal([4, 5, 6], mapped[6].VideoChunk.Data.ToByteArray());
        Assert.True(mapped[6].VideoChunk.Last);
        Assert.Equal(0.5, mapped[7].Completed.Seconds["segment"]);
        Assert.Equal("ran on s1", mapped[7].Completed.Note);
        Assert.Equal(("segment", "interrupted", "lost"), (mapped[8].Failed.Stage, mapped[8].Failed.Code, mapped[8].Failed.Message));
        Assert.Equal(("video", "stop"), (mapped[9].Cancelled.Stage, mapped[9].Cancelled.Reason));
        Assert.Equal([3], mapped[10].AwaitingReview.TrajectoryPng.ToByteArray());
        Assert.Equal(["red square", "white square"], mapped[10].AwaitingReview.Objects);
        Assert.Equal((640, 480), (mapped[10].AwaitingReview.ImageWidth, mapped[10].AwaitingReview.ImageHeight));
        Assert.Equal(77, mapped[11].Continued.Seed);
        Assert.Equal([1], mapped[11].Continued.EditedObjects);
    }
}
