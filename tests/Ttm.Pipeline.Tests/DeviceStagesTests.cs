using Ttm.Contracts;
using Ttm.Models.Sampling;
using System.Threading.Channels;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline.Tests;

/// <summary>The device stages: checkpoints continue a run exactly; concurrent generations on one device do not disturb each other.</summary>
[Collection(PipelineCollection.Name)]
public sealed class DeviceStagesTests(PipelineFixture fixture)
{
    sealed class MemoryCheckpoints : IStageCheckpoints
    {
        public List<(GenerationStage Stage, StageCheckpoint Checkpoint)> Saved { get; } = [];
        public Dictionary<GenerationStage, StageCheckpoint> Latest { get; } = [];

        public Task SaveAsync(GenerationStage stage, StageCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            Saved.Add((stage, checkpoint));
            return Task.CompletedTask;
        }

        public Task<StageCheckpoint?> LoadAsync(GenerationStage stage, CancellationToken cancellationToken) =>
            Task.FromResult(Latest.TryGetValue(stage, out var c) ? c : null);
    }

    async Task<(RenderedVideo Video, List<PipelineEvent> Events)> Run(IStageCheckpoints? checkpoints, long seed = 0)
    {
        var request = PipelineFixture.Request(PipelineFixture.Sample, "The red square moves right while the white square slides down slowly.", "unused", steps: 6)
            with { CheckpointEvery = 2, Checkpoints = checkpoints, Seed = seed, Tenant = $"tenant-{seed % 2}" };
        var plan = await new RulePromptPlanner().PlanAsync(request.Prompt, CancellationToken.None);
        var events = Channel.CreateUnbounded<PipelineEvent>();
        var video = await new DeviceStages(fixture.Models).RunAsync(request, ImageInput.Decode(request.Image), plan, events.Writer, new StageClock(GenerationStage.Segment), CancellationToken.None);
        events.Writer.Complete();
        return (video, await events.Reader.ReadAllAsync().ToListAsync());
    }

    [Fact]
    public async Task ARunContinuedFromACheckpoint_EndsWhereTheUninterruptedRunEnds()
    {
        var recorded = new MemoryCheckpoints();
        var (whole, wholeEvents) = await Run(recorded);
        Assert.Equal([2, 4, 6], recorded.Saved.Where(s => s.Stage == GenerationStage.Motion).Select(s => s.Checkpoint.Step));
        Assert.Equal([2, 4, 6], recorded.Saved.Where(s => s.Stage == GenerationStage.Video).Select(s => s.Checkpoint.Step));

        // As if the silo died after step 4 of stage 1: another one continues from that checkpoint.
        var resumed = new MemoryCheckpoints();
        resumed.Latest[GenerationStage.Motion] = recorded.Saved.First(s => s.Stage == GenerationStage.Motion && s.Checkpoint.Step == 4).Checkpoint;
        var (continued, continuedEvents) = await Run(resumed);

        Assert.Equal(whole.Trajectory.Pixels, continued.Trajectory.Pixels);
        Assert.Equal(whole.Video.Pixels, continued.Video.Pixels);
        Assert.Equal([6], resumed.Saved.Where(s => s.Stage == GenerationStage.Motion).Select(s => s.Checkpoint.Step)); // steps 5-6 only
        Assert.DoesNotContain(continuedEvents.OfType<StagePreview>(), p => p.Stage == GenerationStage.Motion); // no motion preview after step 4 of 6
        Assert.Contains(wholeEvents.OfType<StagePreview>(), p => p.Stage == GenerationStage.Motion);
    }

    [Fact]
    public async Task ConcurrentGenerations_SharingTheDevice_EachEndAsTheyWouldAlone()
    {
        var seeds = new long[] { 11, 12, 13, 14 };
        var alone = new List<RenderedVideo>();
        foreach (var seed in seeds) alone.Add((await Run(null, seed)).Video);
        var together = (await Task.WhenAll(seeds.Select(seed => Task.Run(() => Run(null, seed))))).Select(r => r.Video).ToList();
        for (int i = 0; i < seeds.Length; i++)
        {
            // Batched and alone agree to float rounding; after quantisation to 8 bits a value may move by one step.
            var a = alone[i].Video.Pixels;
            var b = together[i].Video.Pixels;
            Assert.Equal(a.Length, b.Length);
            Assert.True(a.Zip(b).All(p => Math.Abs(p.First - p.Second) <= 1), $"generation {i} differs from itself alone");
        }
        Assert.NotEqual(alone[0].Video.Pixels, alone[1].Video.Pixels); // the seeds matter: nothing was shared that should not be
    }

    [Fact]
    public async Task ACheckpointOfAnotherShape_IsRefusedWithItsShape()
    {
        var wrong = new MemoryCheckpoints();
        wrong.Latest[GenerationStage.Motion] = new StageCheckpoint(2, new float[3 * 8 * 32 * 32 * 2]);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Run(wrong));
        Assert.Contains("shape", error.Message);
    }
}
