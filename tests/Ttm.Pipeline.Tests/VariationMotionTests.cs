using System.Threading.Channels;
using Ttm.Contracts;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Tests;

/// <summary>
/// What a whole run keeps for its variations (<see cref="RenderedVideo.Motion"/>) is the trajectory its video stage ran on:
/// stage 2 on it again with the run's seed renders the same video, with another seed another one, and neither segments nor
/// runs stage 1.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class VariationMotionTests(PipelineFixture fixture)
{
    async Task<(RenderedVideo Video, List<PipelineEvent> Events)> Run(long seed, ReviewedMotion? reviewed = null)
    {
        var request = PipelineFixture.Request(PipelineFixture.Sample, "The red square moves right while the white square slides down slowly.", "unused", steps: 3)
            with { Seed = seed, Reviewed = reviewed, PreviewEvery = 1 };
        var plan = await new RulePromptPlanner().PlanAsync(request.Prompt, CancellationToken.None);
        var events = Channel.CreateUnbounded<PipelineEvent>();
        var video = await new DeviceStages(fixture.Models).RunAsync(request, ImageInput.Decode(request.Image), plan, events.Writer, new StageClock(GenerationStage.Segment), CancellationToken.None);
        events.Writer.Complete();
        return (video, await events.Reader.ReadAllAsync().ToListAsync());
    }

    [Fact]
    public async Task AWholeRunsMotion_RenderedWithItsSeed_IsTheSameVideo_AndWithAnotherSeedAnother()
    {
        var (whole, _) = await Run(seed: 4);
        var kept = ReviewedMotion.FromBytes(Assert.IsType<ReviewedMotion>(whole.Motion).ToBytes()); // as the store hands it back
        Assert.Equal(whole.Objects, kept.Objects);

        var (again, againEvents) = await Run(seed: 4, kept);
        Assert.Equal(whole.Video.Pixels, again.Video.Pixels);
        Assert.Equal(whole.Trajectory.Pixels, again.Trajectory.Pixels);
        Assert.Null(again.Motion); // a second part keeps nothing new: its trajectory is the one it was given
        var (other, otherEvents) = await Run(seed: 5, kept);
        Assert.NotEqual(whole.Video.Pixels, other.Video.Pixels);
        Assert.Equal(whole.Trajectory.Pixels, other.Trajectory.Pixels);
        foreach (var events in new[] { againEvents, otherEvents })
        {
            Assert.DoesNotContain(events, e => e is SegmentationReady or MotionDone);
            Assert.DoesNotContain(events.OfType<StagePreview>(), p => p.Stage == GenerationStage.Motion);
        }
    }
}
