using Ttm.Models.Sampling;
using Ttm.Pipeline.Devices;
using static TorchSharp.torch;

namespace Ttm.Pipeline.Tests;

/// <summary>The one denoising loop over the shipped stage-1 network: resume from a checkpoint, previews, cancellation inside a step.</summary>
[Collection(PipelineCollection.Name)]
public sealed class StageRunnerTests(PipelineFixture fixture)
{
    FlowSampler Sampler => (FlowSampler)fixture.Models.MotionSampler; // the shipped DiT

    [Fact]
    public async Task ResumedFromACheckpoint_EndsBitIdenticalToTheUninterruptedRun()
    {
        using var worker = new DeviceWorker("test", maxBatch: 2);
        var runner = new StageRunner(worker.StepperFor("tenant-a"));
        using var conditions = DeviceWorkerTests.Conditions(fixture, 7, "the red square moves left");
        var options = new SamplingOptions(6, GuidanceScales.Default, 7);
        var saved = new List<StageCheckpoint>();
        var previews = new List<int>();
        using var whole = await runner.RunAsync(Sampler, conditions, options, new StageHooks
        {
            PreviewEvery = 2,
            OnPreview = (step, _) => { previews.Add(step.Step); return Task.CompletedTask; },
            CheckpointEvery = 4,
            OnCheckpoint = (checkpoint, _) => { saved.Add(checkpoint); return Task.CompletedTask; },
        }, CancellationToken.None);
        Assert.Equal([2, 4], previews); // every 2 steps, none after the last
        Assert.Equal([4, 6], saved.Select(c => c.Step)); // every 4 steps and after the last
        Assert.Equal(0, whole.ResumedFrom);

        using var resumed = await runner.RunAsync(Sampler, conditions, options, new StageHooks { ResumeFrom = saved[0] }, CancellationToken.None);
        Assert.Equal(4, resumed.ResumedFrom);
        Assert.Equal(whole.Sample.data<float>().ToArray(), resumed.Sample.data<float>().ToArray());
        Assert.Equal(saved[1].Latent, resumed.Sample.data<float>().ToArray());
    }

    [Fact]
    public async Task ACheckpointOfAnotherShape_IsRefusedWithWhatItHolds()
    {
        using var conditions = DeviceWorkerTests.Conditions(fixture, 1, "the red square moves left");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new StageRunner(DirectStepper.Instance).RunAsync(Sampler, conditions,
            SamplingOptions.Default, new StageHooks { ResumeFrom = new StageCheckpoint(4, new float[10]) }, CancellationToken.None));
        Assert.Contains("holds 10 values", error.Message);
    }

    [Fact]
    public async Task Cancelled_WhileItsStepWaitsForTheDevice_StopsWithoutTakingTheStep()
    {
        using var worker = new DeviceWorker("test", maxBatch: 2);
        using var conditions = DeviceWorkerTests.Conditions(fixture, 3, "the blue circle moves up");
        using var cancel = new CancellationTokenSource();
        var (blocker, gate) = DeviceWorkerTests.Occupy(worker); // the device is busy: the run's first step waits in the queue
        var run = new StageRunner(worker.StepperFor("tenant-a")).RunAsync(Sampler, conditions, new SamplingOptions(8, GuidanceScales.Default, 3),
            StageHooks.None, cancel.Token);
        while (worker.QueueDepth < 1) await Task.Delay(5);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(0, worker.QueueDepth); // it left the queue
        gate.Set();
        await blocker;
        Assert.Equal(0, worker.Snapshot().Steps); // the step never ran
    }
}
