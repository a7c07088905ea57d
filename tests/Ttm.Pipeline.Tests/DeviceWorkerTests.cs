using Ttm.Models;
using Ttm.Models.Sampling;
using Ttm.Pipeline.Devices;
using static TorchSharp.torch;

namespace Ttm.Pipeline.Tests;

/// <summary>The device worker over the shipped stage-1 network: batching, fairness, cancellation, failures.</summary>
[Collection(PipelineCollection.Name)]
public sealed class DeviceWorkerTests(PipelineFixture fixture)
{
    FlowSampler Sampler => (FlowSampler)fixture.Models.MotionSampler; // the shipped DiT

    StageConditions Conditions(int seed, string prompt) => Conditions(fixture, seed, prompt);

    internal static StageConditions Conditions(PipelineFixture fixture, int seed, string prompt)
    {
        var c = fixture.Models.Motion.Config;
        using var generator = new Generator((ulong)seed);
        using var masks = rand([1, 3, c.Height, c.Width], generator: generator) * 2 - 1;
        using var frame = rand([1, 3, c.Height, c.Width], generator: generator) * 2 - 1;
        return StageConditions.ForMotion(c, masks, frame, fixture.Models.Text.Encode(prompt));
    }

    /// <summary>Keeps the device thread busy (from the moment this returns) until the gate is released, so work queues up behind it.</summary>
    internal static (Task Blocker, ManualResetEventSlim Gate) Occupy(DeviceWorker worker)
    {
        var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var blocker = worker.RunAsync(() =>
        {
            started.Set();
            return gate.Wait(TimeSpan.FromSeconds(30));
        }, "ops");
        started.Wait();
        return (blocker, gate);
    }

    [Fact]
    public async Task ConcurrentStageRuns_ShareForwardPasses_AndEachEqualsItsSoloSample()
    {
        using var worker = new DeviceWorker("test", maxBatch: 8);
        using var c1 = Conditions(1, "the red square moves left");
        using var c2 = Conditions(2, "the blue circle moves up while the green star stays still");
        using var c3 = Conditions(3, "the white triangle slides down");
        var options = new[] { new SamplingOptions(5, GuidanceScales.Default, 1), new SamplingOptions(3, new GuidanceScales(1f, 1f), 2), new SamplingOptions(4, new GuidanceScales(2f, 4f), 3) };
        var conditions = new[] { c1, c2, c3 };
        var alone = conditions.Select((c, i) => Sampler.Sample(c, options[i])).ToList();

        // The one stage runner, every step through the worker (the served path). Batches of other sizes sum in another
        // order: float rounding (1.7e-5 seen), nothing a wrong row could hide behind (that is off by O(1)).
        var (blocker, gate) = Occupy(worker);
        var runs = conditions.Select((c, i) => Task.Run(async () =>
            (await new StageRunner(worker.StepperFor($"tenant-{i}")).RunAsync(Sampler, c, options[i], StageHooks.None, CancellationToken.None)).Sample)).ToList();
        while (worker.QueueDepth < 3) await Task.Delay(5);
        gate.Set();
        await blocker;
        var batched = await Task.WhenAll(runs);

        for (int i = 0; i < 3; i++)
            Assert.True(allclose(alone[i], batched[i], rtol: 1e-4, atol: 1e-4), $"generation {i} differs by {(alone[i] - batched[i]).abs().max().item<float>()}");
        var snapshot = worker.Snapshot();
        Assert.Equal(5 + 3 + 4, snapshot.Steps);
        Assert.True(snapshot.Batches < snapshot.Steps, $"{snapshot.Steps} steps took {snapshot.Batches} forward passes: nothing was batched");
        foreach (var t in alone.Concat(batched)) t.Dispose();
    }

    [Fact]
    public async Task AStepCachedRun_SharesPassesWithAnExactOne_WhichStaysItsSoloSample_AndTheSkipsAreCounted()
    {
        using var worker = new DeviceWorker("test", maxBatch: 8);
        using var c1 = Conditions(7, "the red square moves left");
        using var c2 = Conditions(8, "the blue circle moves up");
        var exact = new SamplingOptions(16, GuidanceScales.Default, 1);
        var cached = new SamplingOptions(16, GuidanceScales.Default, 2, StepCachePolicy.Balanced);
        using var alone = Sampler.Sample(c1, exact);
        long skipsSeen = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument == worker.Metrics.CachedSteps) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "tenant", Value: "cached" }) Interlocked.Add(ref skipsSeen, value);
        });
        listener.Start();
        var before = Sampler.Counters;

        var (blocker, gate) = Occupy(worker);
        var runs = new[] { (c1, exact, "exact"), (c2, cached, "cached") }.Select(r => Task.Run(async () =>
            (await new StageRunner(worker.StepperFor(r.Item3)).RunAsync(Sampler, r.Item1, r.Item2, StageHooks.None, CancellationToken.None)).Sample)).ToList();
        while (worker.QueueDepth < 2) await Task.Delay(5);
        gate.Set();
        await blocker;
        var samples = await Task.WhenAll(runs);

        // Rows in a batch of two meet other GEMM blockings than alone (fp32, ~1e-6 a pass), and 16 steps carry that on:
        // up to ~1.3e-4 seen with the shipped stage 1. What the cache would change is the sample itself (StepCacheTests).
        Assert.True(allclose(alone, samples[0], rtol: 1e-4, atol: 5e-4), $"the exact run differs by {(alone - samples[0]).abs().max().item<float>()}");
        var after = Sampler.Counters;
        long skipped = after.CachedSteps - before.CachedSteps;
        Assert.InRange(skipped, 1, 16 - 3); // the first two and the last step always run in full
        Assert.Equal(skipped, Interlocked.Read(ref skipsSeen));
        Assert.Equal(32L * fixture.Models.Motion.Config.Depth - skipped * (fixture.Models.Motion.Config.Depth - 1), after.BlockForwards - before.BlockForwards);
        // balanced also reuses the settled guidance term: the cached run put fewer than three rows in some passes.
        Assert.InRange(after.GuidanceReuses - before.GuidanceReuses, 1, 16 - 3);
        foreach (var t in samples) t.Dispose();
    }

    [Fact]
    public async Task AFloodFromOneTenant_DoesNotStarveAnother()
    {
        using var worker = new DeviceWorker("test", maxBatch: 1);
        using var conditions = Conditions(4, "the red square moves right");
        var order = new List<string>();
        var (blocker, gate) = Occupy(worker);
        var requests = Enumerable.Range(0, 7).Select(i => Sampler.Start(conditions, new SamplingOptions(2, GuidanceScales.Default, i))).ToList();
        var steps = new List<Task>();
        for (int i = 0; i < 6; i++) // the flood: six generations of one tenant, queued first
            steps.Add(Record(worker.StepAsync(Sampler, requests[i], "flood"), "flood", order));
        steps.Add(Record(worker.StepAsync(Sampler, requests[6], "small"), "small", order));
        gate.Set();
        await blocker;
        await Task.WhenAll(steps);

        Assert.Equal(1, order.IndexOf("small")); // served right after the flood's first step, not after all six
        foreach (var r in requests) r.Dispose();
    }

    /// <summary>20 ms jobs of <paramref name="tenant"/>, recording the order they ran in.</summary>
    static Task<int> Job(DeviceWorker worker, string tenant, List<string> order, int milliseconds = 20) => worker.RunAsync(() =>
    {
        Thread.Sleep(milliseconds);
        lock (order) order.Add(tenant);
        return 0;
    }, tenant);

    [Fact]
    public async Task ATenantBackFromAway_LeadsWithWhatItDidNotUse_UpToItsCredit_ThenTheyTakeTurns()
    {
        using var worker = new DeviceWorker("test", maxBatch: 1, catchUpCredit: TimeSpan.FromMilliseconds(100));
        var order = new List<string>();
        var (blocker, gate) = Occupy(worker);
        var first = Job(worker, "light", order);
        var heavy = Enumerable.Range(0, 30).Select(_ => Job(worker, "heavy", order)).ToList();
        gate.Set();
        await blocker;
        while (Count(order) < 11) await Task.Delay(1); // light ran once, then heavy alone for 200 ms
        var light = Enumerable.Range(0, 10).Select(_ => Job(worker, "light", order)).ToList();
        await Task.WhenAll(heavy.Concat(light).Append(first));

        // Light comes back 100 ms (its credit, not the 200 ms it was away) behind heavy: it leads ~5 jobs in a row
        // (round-robin would alternate at once), then the two take turns.
        var after = order.Skip(order.IndexOf("light", 1)).ToList();
        Assert.All(after.Take(4), o => Assert.Equal("light", o));
        Assert.True(after.LastIndexOf("light") > after.IndexOf("heavy"), string.Join(' ', after));
    }

    [Fact]
    public async Task AfterATenantsJob_ItsNextWorkAMomentLater_RunsBeforeAnotherTenantsWaitingWork()
    {
        using var worker = new DeviceWorker("test", maxBatch: 1);
        var order = new List<string>();
        var (blocker, gate) = Occupy(worker);
        var first = Job(worker, "light", order);
        var heavy = Enumerable.Range(0, 12).Select(_ => Job(worker, "heavy", order, 100)).ToList();
        gate.Set();
        await blocker;
        while (Count(order) < 3) await Task.Delay(1); // light ran once, heavy is far ahead in device time and always waiting

        // The "segmentation" job, then, after a few milliseconds of set-up off the device, the "first step".
        var stepWait = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        await Job(worker, "light", order).ContinueWith(_ =>
        {
            Thread.Sleep(2);
            var asked = System.Diagnostics.Stopwatch.StartNew();
            _ = worker.RunAsync(() => { stepWait.SetResult(asked.Elapsed.TotalSeconds); lock (order) order.Add("light-step"); return 0; }, "light");
        }, TaskScheduler.Default);
        double waited = await stepWait.Task;
        await Task.WhenAll(heavy.Append(first));

        // Without the wait after a job, heavy's next 100 ms job would start in the gap and the step would wait it out.
        var after = order.Skip(order.LastIndexOf("light")).Take(2).ToList();
        Assert.Equal(["light", "light-step"], after);
        Assert.True(waited < DeviceWorker.FirstStepGrace.TotalSeconds + 0.05, $"the step waited {waited:F3} s");
    }

    [Fact]
    public async Task ARunWhoseStepsComeAMomentLate_IsNotOvertakenByAnotherTenantsLongJobs()
    {
        using var worker = new DeviceWorker("test", maxBatch: 1);
        var order = new List<string>();
        var (blocker, gate) = Occupy(worker);
        var first = Job(worker, "light", order);
        var heavy = Enumerable.Range(0, 24).Select(_ => Job(worker, "heavy", order, 300)).ToList();
        gate.Set();
        await blocker;
        // Light ran once, heavy ran 3 s: far ahead in device time (light's four steps take ~0.3 s) and always waiting.
        while (Count(order) < 11) await Task.Delay(1);

        // Each step's preview takes 8 ms off the device (more than the 3 ms a step's return is given) before the next step.
        using var conditions = Conditions(4, "the red square moves left");
        var hooks = new StageHooks
        {
            PreviewEvery = 1,
            OnPreview = (_, _) =>
            {
                Thread.Sleep(8);
                lock (order) order.Add("light-step");
                return Task.CompletedTask;
            },
        };
        using (var run = await new StageRunner(worker.StepperFor("light")).RunAsync(Sampler, conditions, new SamplingOptions(4, new GuidanceScales(1f, 1f), 1), hooks, CancellationToken.None))
            lock (order) order.Add("light-done");
        await Task.WhenAll(heavy.Append(first));

        // Without the wait before another tenant's job, one of heavy's 300 ms jobs starts in every gap (seen: light-step,
        // heavy, light-step, heavy, …). With it the first two gaps hold none (the last may: on a loaded machine light's
        // steps can take a second each and put it ahead of heavy's 3 s, when heavy's turn is fair).
        var during = order.Skip(order.IndexOf("light-step")).TakeWhile(o => o != "light-done").ToList();
        Assert.Equal(["light-step", "light-step", "light-step"], during.Take(3));
    }

    [Fact]
    public async Task BesideAnAccelerator_SegmentationHasAWorkerOfItsOwn_AndAStepRunsWhileItIsBusy()
    {
        var accelerator = new DeviceWorker("sim:h100", maxBatch: 1); // an accelerator by kind (simulated: CPU tensors): its kind decides where segmentation runs
        var models = new PipelineModels(fixture.Models.Motion, fixture.Models.Video, fixture.Models.Text, fixture.Models.Segmenter, fixture.Models.Planner, accelerator);
        try
        {
            Assert.NotSame(models.Device, models.SegmentationWorker);
            var (blocker, gate) = Occupy(models.SegmentationWorker); // an image encoder that takes as long as it likes
            using var conditions = Conditions(7, "the red square moves right");
            using var request = Sampler.Start(conditions, new SamplingOptions(2, GuidanceScales.Default, 7));
            Assert.True(models.SegmentationWorker.JobsOnly); // it claims no compute threads, so it refuses steps
            Assert.Throws<InvalidOperationException>(() => { _ = models.SegmentationWorker.StepAsync(Sampler, request, "a"); });
            using var step = await models.Device.StepAsync(Sampler, request, "a").WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(1, step.Step);
            Assert.False(blocker.IsCompleted);
            gate.Set();
            await blocker;
        }
        finally
        {
            models.SegmentationWorker.Dispose(); // not models.Dispose(): the networks and the segmenter are the fixture's
            accelerator.Dispose();
        }
    }

    [Fact]
    public void OnTheCpu_SegmentationTakesTurnsOnTheDeviceThread()
    {
        Assert.True(PipelineModels.SegmentsOnTheDeviceThread("cpu:0"));
        Assert.False(PipelineModels.SegmentsOnTheDeviceThread("cuda:0"));
        Assert.Same(fixture.Models.Device, fixture.Models.SegmentationWorker);
    }

    [Fact]
    public async Task OnTheCpu_EncodesAreTheDevicesJobs_OnItsThread_InTheTenantsTurn()
    {
        Assert.IsType<Encoding.DeviceEncodes>(fixture.Models.Encodes);
        using var worker = new DeviceWorker("test", maxBatch: 1);
        var encodes = new Encoding.DeviceEncodes(worker);
        var order = new List<string>();
        var threads = new List<string?>();
        async Task<int> Encode(string tenant)
        {
            lock (threads) threads.Add(Thread.CurrentThread.Name);
            await Task.Delay(20); // the process's output, awaited: the device thread waits it out before its next work
            lock (order) order.Add(tenant);
            return 0;
        }
        var (blocker, gate) = Occupy(worker);
        var all = new[] { "heavy", "heavy", "heavy", "light" }.Select(t => encodes.RunAsync(t, WorkPriority.Interactive, () => Encode(t), CancellationToken.None)).ToList();
        gate.Set();
        await blocker;
        await Task.WhenAll(all);

        Assert.Equal(["heavy", "light", "heavy", "heavy"], order); // in turn, not after the heavy tenant's three
        Assert.All(threads, name => Assert.Equal("device test", name));
    }

    [Fact]
    public async Task ANewcomer_StartsEvenWithThoseWaiting_NotAhead()
    {
        using var worker = new DeviceWorker("test", maxBatch: 1, catchUpCredit: TimeSpan.FromSeconds(10));
        var order = new List<string>();
        var heavy = Enumerable.Range(0, 60).Select(_ => Job(worker, "heavy", order)).ToList(); // ample runway: the newcomer arrives while heavy still waits
        while (Count(order) < 10) await Task.Delay(1); // heavy has had 200 ms
        var newcomer = Enumerable.Range(0, 6).Select(_ => Job(worker, "new", order)).ToList();
        await Task.WhenAll(heavy.Concat(newcomer));

        // Even with heavy from its first job: the two alternate (were it put 10 s behind, it would run all six in a row).
        var after = order.Skip(order.IndexOf("new")).Take(6).ToList();
        Assert.InRange(after.Count(o => o == "new"), 2, 4);
    }

    [Fact]
    public async Task OnTheCpu_ATenantFarAheadInDeviceTime_DoesNotShareTheLeadsPass()
    {
        using var worker = new DeviceWorker("cpu:test", maxBatch: 4);
        using var conditions = Conditions(6, "the red square moves right");
        var requests = Enumerable.Range(0, 3).Select(i => Sampler.Start(conditions, new SamplingOptions(2, GuidanceScales.Default, 20 + i))).ToList();
        var order = new List<string>();
        var (blocker, gate) = Occupy(worker);
        var heavyJob = worker.RunAsync(() => { Thread.Sleep(600); return 0; }, "heavy"); // heavy is 0.6 s ahead (the window is 0.5 s)
        var steps = new[] { Record(worker.StepAsync(Sampler, requests[0], "heavy"), "heavy", order), Record(worker.StepAsync(Sampler, requests[1], "heavy"), "heavy", order),
            Record(worker.StepAsync(Sampler, requests[2], "light"), "light", order) };
        gate.Set();
        await blocker;
        await heavyJob;
        await Task.WhenAll(steps);
        var clock = System.Diagnostics.Stopwatch.StartNew(); // the counters follow the results by a moment
        while (worker.Snapshot().Steps < 3 && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(5);
        var passes = worker.Snapshot(); // jobs are not steps: these are the three steps' passes

        Assert.Equal(["light", "heavy", "heavy"], order); // light leads, alone; heavy's two steps share the next pass
        Assert.Equal((3L, 2L), (passes.Steps, passes.Batches));
        foreach (var r in requests) r.Dispose();
    }

    [Fact]
    public async Task InteractiveWork_LeadsBatchWork_WhichIsNeverStarved_AndFillsSparePlaces()
    {
        using var worker = new DeviceWorker("test", maxBatch: 1);
        using var conditions = Conditions(4, "the red square moves right");
        var order = new List<string>();
        var (blocker, gate) = Occupy(worker);
        int batchSteps = 3, interactiveSteps = DeviceWorker.BatchTurnEvery + 2;
        var requests = Enumerable.Range(0, batchSteps + interactiveSteps).Select(i => Sampler.Start(conditions, new SamplingOptions(2, GuidanceScales.Default, i))).ToList();
        var steps = new List<Task>();
        for (int i = 0; i < batchSteps; i++) // batch work queued first, from its own tenant
            steps.Add(Record(worker.StepAsync(Sampler, requests[i], "jobs", priority: WorkPriority.Batch), "batch", order));
        for (int i = batchSteps; i < requests.Count; i++)
            steps.Add(Record(worker.StepAsync(Sampler, requests[i], $"user-{i % 3}"), "interactive", order));
        gate.Set();
        await blocker;
        await Task.WhenAll(steps);

        // Interactive first; the batch gets one lead in BatchTurnEvery while interactive waits, then the rest.
        // (The occupying job counts as the first interactive lead.)
        Assert.Equal("interactive", order[0]);
        Assert.InRange(order.IndexOf("batch"), DeviceWorker.BatchTurnEvery - 2, DeviceWorker.BatchTurnEvery - 1);
        Assert.Single(order.Take(DeviceWorker.BatchTurnEvery), o => o == "batch");
        Assert.Equal(["batch", "batch"], order.TakeLast(2));
        foreach (var r in requests) r.Dispose();

        // With room in the pass, batch steps ride along with an interactive lead.
        using var wide = new DeviceWorker("test", maxBatch: 4);
        var (blocker2, gate2) = Occupy(wide);
        var before = wide.Snapshot();
        var more = Enumerable.Range(0, 3).Select(i => Sampler.Start(conditions, new SamplingOptions(2, GuidanceScales.Default, 10 + i))).ToList();
        var batched = new[] { wide.StepAsync(Sampler, more[0], "jobs", priority: WorkPriority.Batch), wide.StepAsync(Sampler, more[1], "jobs", priority: WorkPriority.Batch),
            wide.StepAsync(Sampler, more[2], "user") };
        gate2.Set();
        await blocker2;
        var results = await Task.WhenAll(batched);
        var after = wide.Snapshot();
        Assert.Equal(3, after.Steps - before.Steps);
        Assert.Equal(1, after.Batches - before.Batches); // one forward pass for all three
        foreach (var r in results) r.Dispose();
        foreach (var r in more) r.Dispose();
    }

    static int Count(List<string> order)
    {
        lock (order) return order.Count;
    }

    static async Task Record(Task<StepResult> step, string tenant, List<string> order)
    {
        using var result = await step;
        lock (order) order.Add(tenant);
    }

    [Fact]
    public async Task AStepCancelledWhileQueued_LeavesTheQueue_AndTheWorkerKeepsServing()
    {
        using var worker = new DeviceWorker("test", maxBatch: 4);
        using var conditions = Conditions(5, "the red square moves right");
        using var request = Sampler.Start(conditions, new SamplingOptions(2, GuidanceScales.Default, 5));
        var (blocker, gate) = Occupy(worker);
        using var cancel = new CancellationTokenSource();
        var step = worker.StepAsync(Sampler, request, "a", cancel.Token);
        Assert.Equal(1, worker.QueueDepth);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => step);
        Assert.Equal(0, worker.QueueDepth);
        Assert.Equal(0, request.Step); // never ran
        gate.Set();
        await blocker;

        using var next = await worker.StepAsync(Sampler, request, "a");
        Assert.Equal(1, next.Step);
    }

    [Fact]
    public async Task TheDeviceThread_ComputesWithItsCores_AndFreshThreadsWithOne()
    {
        using var worker = new DeviceWorker("test", threads: 2);
        Assert.Equal(2, await worker.RunAsync(TorchSharp.torch.get_num_threads, "a"));
        int elsewhere = 0;
        var fresh = new Thread(() => elsewhere = TorchSharp.torch.get_num_threads());
        fresh.Start();
        fresh.Join();
        Assert.Equal(1, elsewhere); // no second OpenMP team to outnumber the cores
    }

    [Theory]
    [InlineData("cpu:0", 2)]
    [InlineData("cuda:1", 32)]
    public void DefaultMaxBatch_IsWhatPaysOnTheDevice(string device, int batch)
    {
        Assert.Equal(batch, DeviceWorker.DefaultMaxBatch(device));
        using var worker = new DeviceWorker(device);
        Assert.Equal(batch, worker.MaxBatch);
    }

    [Fact]
    public async Task AFailingJob_FailsOnlyItsCaller_OnTheDeviceThread()
    {
        using var worker = new DeviceWorker("gpu-test");
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync<int>(() => throw new InvalidOperationException("segmenter broke"), "a"));
        Assert.Equal("segmenter broke", failure.Message);
        Assert.Equal("device gpu-test", await worker.RunAsync(() => Thread.CurrentThread.Name, "a"));
    }

    [Fact]
    public async Task WorkCancelledWhileTheDeviceGivesTheLastTenantItsMoment_LeavesTheWorkerServing()
    {
        using var worker = new DeviceWorker("test", maxBatch: 1);
        var (blocker, gate) = Occupy(worker);
        using var cancel = new CancellationTokenSource();
        var cancelled = worker.RunAsync(() => 1, "b", cancel.Token);
        gate.Set();
        await blocker;
        // The device now waits up to FirstStepGrace for "ops" to ask again, "b"'s job the only work queued: cancel it there.
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await Task.Delay(DeviceWorker.FirstStepGrace * 2);
        Assert.True(worker.IsRunning);
        Assert.Equal(2, await worker.RunAsync(() => 2, "b").WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ABadRequestInABatch_FailsAlone_AndTheOthersGetTheirSteps()
    {
        using var worker = new DeviceWorker("test", maxBatch: 4);
        using var good = Conditions(5, "the red square moves right");
        var c = fixture.Models.Motion.Config;
        using var halfMasks = zeros([1, 3, c.Height / 2, c.Width / 2]);
        using var halfFrame = zeros([1, 3, c.Height / 2, c.Width / 2]);
        using var bad = StageConditions.ForMotion(c, halfMasks, halfFrame, fixture.Models.Text.Encode("the red square moves right")); // the wrong size
        using var first = Sampler.Start(good, new SamplingOptions(2, GuidanceScales.Default, 1));
        using var broken = Sampler.Start(bad, new SamplingOptions(2, GuidanceScales.Default, 2));
        using var second = Sampler.Start(good, new SamplingOptions(2, GuidanceScales.Default, 3));
        var (blocker, gate) = Occupy(worker);
        var steps = new[] { worker.StepAsync(Sampler, first, "a"), worker.StepAsync(Sampler, broken, "b"), worker.StepAsync(Sampler, second, "c") };
        gate.Set();
        await blocker;
        using (await steps[0]) { }
        using (await steps[2]) { }
        await Assert.ThrowsAnyAsync<Exception>(() => steps[1]);
        Assert.Equal((1, 0, 1), (first.Step, broken.Step, second.Step));
    }

    [Fact]
    public async Task AHungDevice_WithWorkWaiting_SaysItIsStalled_AndFailingEveryPassToo_UntilOneSucceeds()
    {
        using var worker = new DeviceWorker("test", maxBatch: 1, threads: 0);
        var stallAfter = TimeSpan.FromMilliseconds(200);
        Assert.Null(worker.Stalled(stallAfter)); // idle: nothing owed
        var (blocker, gate) = Occupy(worker); // a job that hangs
        var waiting = worker.RunAsync(() => 1, "b");
        await Task.Delay(stallAfter * 2);
        Assert.Contains("no pass on test completed", worker.Stalled(stallAfter));
        gate.Set();
        await blocker;
        await waiting;
        Assert.Null(worker.Stalled(stallAfter));

        for (int i = 0; i < DeviceWorker.FailuresBeforeUnhealthy; i++)
            await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync<int>(() => throw new InvalidOperationException("broken"), "a"));
        Assert.Contains($"the last {DeviceWorker.FailuresBeforeUnhealthy} passes on test failed", worker.Stalled(stallAfter));
        await worker.RunAsync(() => 2, "a");
        Assert.Null(worker.Stalled(stallAfter));
    }

    [Fact]
    public async Task Disposing_FailsWhatIsStillQueued()
    {
        var worker = new DeviceWorker("test");
        var (blocker, gate) = Occupy(worker);
        var queued = worker.RunAsync(() => 1, "a");
        var disposing = Task.Run(worker.Dispose);
        while (worker.IsRunning) await Task.Delay(5); // stopping before the blocker ends (a fixed delay lost the race under load)
        gate.Set();
        await disposing;
        await blocker;
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queued);
        Assert.Throws<ObjectDisposedException>(() => { _ = worker.RunAsync(() => 2, "a"); }); // refused at once, not queued
    }
}
