using System.Threading.Channels;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Tests;

/// <summary>Stage checkpoints: a run continued from a saved step ends exactly where the uninterrupted run ends.</summary>
[Collection(PipelineCollection.Name)]
public sealed class StageCheckpointTests(PipelineFixture fixture)
{
    sealed class MemoryCheckpoints : IStageCheckpoints
    {
        public List<(PipelineStage Stage, StageCheckpoint Checkpoint)> Saved { get; } = [];
        public Dictionary<PipelineStage, StageCheckpoint> Latest { get; } = [];

        public Task SaveAsync(PipelineStage stage, StageCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            Saved.Add((stage, checkpoint));
            return Task.CompletedTask;
        }

        public Task<StageCheckpoint?> LoadAsync(PipelineStage stage, CancellationToken cancellationToken) =>
            Task.FromResult(Latest.TryGetValue(stage, out var c) ? c : null);
    }

    async Task<(RenderedVideo Video, List<PipelineEvent> Events)> Run(IStageCheckpoints checkpoints)
    {
        var request = PipelineFixture.Request(PipelineFixture.Sample, "The red square moves right while the white square slides down slowly.", "unused", steps: 6)
            with { CheckpointEvery = 2, Checkpoints = checkpoints };
        var plan = await new RulePromptPlanner().PlanAsync(request.Prompt, CancellationToken.None);
        var events = Channel.CreateUnbounded<PipelineEvent>();
        var video = await new DeviceStages(fixture.Models).RunAsync(request, ImageInput.Decode(request.Image), plan, events.Writer, _ => { }, CancellationToken.None);
        events.Writer.Complete();
        return (video, await events.Reader.ReadAllAsync().ToListAsync());
    }

    [Fact]
    public async Task ARunContinuedFromACheckpoint_EndsWhereTheUninterruptedRunEnds()
    {
        var recorded = new MemoryCheckpoints();
        var (whole, wholeEvents) = await Run(recorded);
        Assert.Equal([2, 4, 6], recorded.Saved.Where(s => s.Stage == PipelineStage.Motion).Select(s => s.Checkpoint.Step));
        Assert.Equal([2, 4, 6], recorded.Saved.Where(s => s.Stage == PipelineStage.Video).Select(s => s.Checkpoint.Step));

        // As if the silo died after step 4 of stage 1: another one continues from that checkpoint.
        var resumed = new MemoryCheckpoints();
        resumed.Latest[PipelineStage.Motion] = recorded.Saved.First(s => s.Stage == PipelineStage.Motion && s.Checkpoint.Step == 4).Checkpoint;
        var (continued, continuedEvents) = await Run(resumed);

        Assert.Equal(whole.Trajectory.Pixels, continued.Trajectory.Pixels);
        Assert.Equal(whole.Video.Pixels, continued.Video.Pixels);
        Assert.Equal([6], resumed.Saved.Where(s => s.Stage == PipelineStage.Motion).Select(s => s.Checkpoint.Step)); // steps 5-6 only
        Assert.DoesNotContain(continuedEvents.OfType<StagePreview>(), p => p.Stage == PipelineStage.Motion); // no motion preview after step 4 of 6
        Assert.Contains(wholeEvents.OfType<StagePreview>(), p => p.Stage == PipelineStage.Motion);
    }

    [Fact]
    public async Task ACheckpointOfAnotherShape_IsRefusedWithItsShape()
    {
        var wrong = new MemoryCheckpoints();
        wrong.Latest[PipelineStage.Motion] = new StageCheckpoint(2, new float[3 * 8 * 32 * 32 * 2]);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Run(wrong));
        Assert.Contains("shape", error.Message);
    }
}
