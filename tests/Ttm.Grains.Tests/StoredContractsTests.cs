using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Ttm.Contracts;

namespace Ttm.Grains.Tests;

/// <summary>
/// Event logs and grain state outlive releases: what they hold reads the same after their types move or change. The entries
/// below were written by the release before the stages, plan and objects moved to Ttm.Contracts (when they were Ttm.Grains'
/// own types) and before a spec's formats and step cache were enums (when it held their names).
/// </summary>
public sealed class StoredContractsTests
{
    static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    [Fact]
    public void AnEventLogWrittenBeforeTheVocabularyMoved_ReadsTheSame()
    {
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(GenerationEvent).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer<GenerationEvent>>();
        GenerationEvent Read(string stored) => serializer.Deserialize(Convert.FromBase64String(stored))!;

        var planned = Assert.IsType<GenerationPlanned>(Read(
            "IOgABSGAAIC19/V/nwiBAAAAAAAAAADgMQEgwrwJM3R0bS5nZW5lcmF0aW9uLXBsYW5uZWQudjHo6Ogg6EAzdGhlIHJlZCBzcXVhcmUgbW92ZXMgbGVmdEEVbW92ZXMgbGVmdDEBoM5YLmtSZWFkT25seUxpc3RJbnRlcmZhY2VDb2RlY2AxW1t0dG0ucGxhbm5lZC1vYmplY3QudjFdXQADIehAFXJlZCBzcXVhcmVBL2EgcmVkIHNxdWFyZSBtb3ZlcyBsZWZ0QQdyZWRBDXNxdWFyZUEJbGVmdODgQQtydWxlc+Dg4A==").Update);
        Assert.Equal(new PromptPlan("the red square moves left", "moves left", planned.Plan.Objects, "rules"), planned.Plan);
        Assert.Equal([new ObjectPrompt("red square", "a red square moves left", "red", "square", "left")], planned.Plan.Objects);

        var segmented = Assert.IsType<ObjectsSegmented>(Read(
            "IOgACSGAAIC19/V/nwiBAAAAAAAAAADgMQEo//sNMXR0bS5vYmplY3RzLXNlZ21lbnRlZC52Mejo6EAlZy9zZWdtZW50YXRpb24ucG5nMQGz4Ohgb1JlYWRPbmx5TGlzdEludGVyZmFjZUNvZGVjYDFbW3R0bS5zZWdtZW50ZWQtb2JqZWN0LnYxXV0AAyHoQBVyZWQgc3F1YXJlQQ1jb2xvdXJBEXJlZCBibG9iAang4ODg").Update);
        Assert.Equal([new SegmentedObject("red square", "colour", "red blob", 42)], segmented.Objects);

        var completed = Read(
            "IOgADSGAAIC19/V/nwiBAAAAAAAAAADgMQGV9L14N3R0bS5nZW5lcmF0aW9uLWNvbXBsZXRlZC52Mejo6DAB2zatc3VTeXN0ZW0uQ29sbGVjdGlvbnMuR2VuZXJpYy5EaWN0aW9uYXJ5YDJbW3N0cmluZ10sW3N0cmluZ11dAQNBB21wNEAXZy92aWRlby5tcDTgMQF4kO8BzVN5c3RlbS5Db2xsZWN0aW9ucy5HZW5lcmljLkRpY3Rpb25hcnlgMltbVHRtLkdyYWlucy5HZW5lcmF0aW9uU3RhZ2UsVHRtLkdyYWlucy5BYnN0cmFjdGlvbnNdLFtkb3VibGVdXQEFCQMBgAAAAAAAAOA/CAMRgAAAAAAAABJA4EEB4OA=");
        Assert.Equal((3, At), (completed.Seq, completed.At));
        Assert.Equal(new Dictionary<GenerationStage, double> { [GenerationStage.Plan] = 0.5, [GenerationStage.Encode] = 4.5 },
            Assert.IsType<GenerationCompleted>(completed.Update).Seconds);

        Assert.Equal(new GenerationFailed(GenerationStage.Video, FailureCode.Internal, "x"), Read(
            "IOgAESGAAIC19/V/nwiBAAAAAAAAAADgMQHf0UroMXR0bS5nZW5lcmF0aW9uLWZhaWxlZC52Mejo6AgDDQkDAUEDeODg").Update);
    }

    [Fact]
    public void ASpecStoredWithTheFormatsAndStepCacheByName_RunsTheSame()
    {
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(GenerationSpec).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer<GenerationSpec>>();
        GenerationSpec Read(string stored) => serializer.Deserialize(Convert.FromBase64String(stored))!.Upgraded();

        var cached = Read(
            "IOhAA3RBF2cvaW1hZ2UucG5nQTN0aGUgcmVkIHNxdWFyZSBtb3ZlcyBsZWZ0AR0BQQExYQAAwD9hAABAQGEAAMA/YQAAQEABEQECCDEBw9luPk1SZWFkT25seUxpc3RJbnRlcmZhY2VDb2RlY2AxW1tzdHJpbmddXQAFQQdNcDRAB0dpZuAxAUJA4fwpdHRtLm9iamVjdC1oaW50LnYxW13gQQ1kaWdlc3TBAcEBAQFBEWJhbGFuY2VkAQHBAeA=");
        Assert.Equal(("the red square moves left", 7L, 12), (cached.Prompt, cached.Seed, cached.VideoSteps));
        Assert.Equal([VideoFormat.Mp4, VideoFormat.Gif], cached.Formats);
        Assert.Equal(StepCache.Balanced, cached.StepCache);
        Assert.Equal(cached, cached.Upgraded()); // read once: nothing of the names is left to write back

        var exact = Read(
            "IOhAA3RBF2cvaW1hZ2UucG5nQQNwAR0BQQExYQAAwD9hAABAQGEAAMA/YQAAQEABEQECCDEBw9luPk1SZWFkT25seUxpc3RJbnRlcmZhY2VDb2RlY2AxW1tzdHJpbmddXQAFQQlXZWJNQBNQbmdGcmFtZXPgMQFCQOH8KXR0bS5vYmplY3QtaGludC52MVtd4EENZGlnZXN0wQHBAQEBwQEBAcEB4A=="); // stored before a spec named a step cache
        Assert.Equal([VideoFormat.WebM, VideoFormat.PngFrames], exact.Formats);
        Assert.Equal(StepCache.Off, exact.StepCache);
        Assert.Null(exact.StoredFormatNames);
    }
}
