using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Ttm.Contracts;
using Ttm.Hosting;

namespace Ttm.Grains.Tests;

public sealed partial class GenerationGrainTests : IAsyncLifetime
{
    readonly ScriptedRunner runner = new();
    readonly MemoryGenerationEventLog eventLog = new();
    readonly MemoryGenerationIndex index = new();
    readonly DirectoryArtifactStore store = new(Directory.CreateTempSubdirectory("ttm-grain-store-").FullName);
    InProcessTestCluster cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage("generations");
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IGenerationRunner>(runner);
            silo.Services.AddSingleton<IGenerationEventLog>(eventLog);
            silo.Services.AddSingleton<IGenerationIndex>(index);
            silo.Services.AddSingleton<IArtifactStore>(store);
        });
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        Directory.Delete(store.Root, recursive: true);
    }

    IGenerationGrain Grain(string id) => cluster.Client.GetGrain<IGenerationGrain>(id);

    static GenerationSpec Spec(string digest = "d1", TimeSpan? deadline = null, TimeSpan? retainFor = null) =>
        new("tenant-a", "images/x.png", "The red square moves right.", 1, 4, 4, 1.5f, 3f, 1.5f, 3f, 2, 64, [VideoFormat.Mp4], [], digest, deadline, retainFor);

    /// <summary>What a generation leaves behind, as the gateway and its silos write it: an input, a preview, its list entry.</summary>
    async Task<IGenerationGrain> WithArtifacts(string id, GenerationSpec spec)
    {
        await store.PutAsync($"{id}/input-0011.png", new byte[1000], default);
        await store.PutAsync($"{id}/previews/motion-002.png", new byte[500], default);
        await cluster.Client.GetGrain<IGenerationIndexGrain>(spec.Tenant).AddAsync(id, DateTimeOffset.UtcNow);
        var grain = Grain(id);
        await grain.StartAsync(spec);
        return grain;
    }

    async Task AssertGone(string id, IGenerationGrain grain)
    {
        Assert.Null((await grain.GetStatusAsync()).CreatedAt);
        Assert.Equal(0, await eventLog.LastSeqAsync(id));
        Assert.False(Directory.Exists(store.PathOf(id)));
        Assert.DoesNotContain(id, (await cluster.Client.GetGrain<IGenerationIndexGrain>("tenant-a").ListAsync(50, null)).Ids);
    }

    static async Task<List<GenerationEvent>> Collect(IAsyncEnumerable<GenerationEvent> events, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var list = new List<GenerationEvent>();
        await foreach (var e in events.WithCancellation(cts.Token))
        {
            list.Add(e);
            if (list.Count == count) break;
        }
        return list;
    }

    [Fact]
    public async Task Lifecycle_GoesFromQueuedThroughEveryStageToCompleted()
    {
        var grain = Grain("g-life");
        var status = await grain.StartAsync(Spec());
        Assert.Equal((GenerationState.Running, GenerationStage.Plan), (status.State, status.Stage)); // accepted, the plan comes next
        foreach (var update in new[] { SampleUpdates.Plan, SampleUpdates.Segmentation, SampleUpdates.MotionPreview(),
                     SampleUpdates.MotionDone, SampleUpdates.VideoPreview, SampleUpdates.VideoChunk, SampleUpdates.Completed })
            runner.Release(update);
        var events = await Collect(grain.WatchAsync(0), 8);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.IsType<GenerationAccepted>(events[0].Update);
        Assert.IsType<GenerationCompleted>(events[^1].Update);
        Assert.Equal(GenerationState.Completed, (await grain.GetStatusAsync()).State);
    }

    [Fact]
    public async Task StartingTwice_RunsOnce_AndADifferentRequestIsRefused()
    {
        var grain = Grain("g-once");
        await grain.StartAsync(Spec("same"));
        await grain.StartAsync(Spec("same"));
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => grain.StartAsync(Spec("same"))));
        runner.Release(SampleUpdates.Plan);
        await Collect(grain.WatchAsync(0), 2);
        Assert.Equal(1, runner.Runs);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.StartAsync(Spec("other")));
        Assert.Contains("already runs another request", error.Message);
    }

    [Fact]
    public async Task Watch_AfterReconnect_ReplaysMissedEventsOnce_ThenFollowsLive()
    {
        var grain = Grain("g-watch");
        await grain.StartAsync(Spec());
        runner.Release(SampleUpdates.Plan);
        runner.Release(SampleUpdates.Segmentation);
        var first = await Collect(grain.WatchAsync(0), 2); // the client saw seq 1..2 and dropped
        runner.Release(SampleUpdates.MotionPreview(2, 4));
        runner.Release(SampleUpdates.MotionPreview(4, 4));
        var resumed = grain.WatchAsync(first[^1].Seq);
        var task = Collect(resumed, 4);
        runner.Release(SampleUpdates.MotionDone); // live, after the reconnect
        var rest = await task;
        Assert.Equal([3L, 4L, 5L, 6L], rest.Select(e => e.Seq));
        Assert.Equal(rest.Select(e => e.Seq).Distinct().Count(), rest.Count);
        Assert.IsType<TrajectoryFinished>(rest[^1].Update);
    }

    [Fact]
    public async Task Cancel_MidStage_StopsTheRunAndEndsWithCancelled()
    {
        var grain = Grain("g-cancel");
        await grain.StartAsync(Spec());
        runner.Release(SampleUpdates.Plan);
        await Collect(grain.WatchAsync(0), 2);
        await grain.CancelAsync("user pressed stop");
        await runner.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var events = await Collect(grain.WatchAsync(0), 3);
        Assert.IsType<GenerationCancelled>(events[^1].Update);
        Assert.Equal("user pressed stop", ((GenerationCancelled)events[^1].Update).Reason);
        Assert.Equal(GenerationState.Cancelled, (await grain.GetStatusAsync()).State);
    }

    [Fact]
    public async Task Deadline_CancelsTheRun()
    {
        var grain = Grain("g-deadline");
        await grain.StartAsync(Spec(deadline: TimeSpan.FromMilliseconds(300)));
        await runner.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var events = await Collect(grain.WatchAsync(0), 2);
        Assert.IsType<GenerationCancelled>(events[^1].Update);
        Assert.Equal("deadline exceeded", ((GenerationCancelled)events[^1].Update).Reason);
    }

    [Fact]
    public async Task ClientDisconnect_DoesNotCancel()
    {
        var grain = Grain("g-disconnect");
        await grain.StartAsync(Spec());
        runner.Release(SampleUpdates.Plan);
        await Collect(grain.WatchAsync(0), 1); // stop watching early
        runner.Release(SampleUpdates.Segmentation);
        runner.Release(SampleUpdates.Completed);
        var events = await Collect(grain.WatchAsync(0), 4);
        Assert.IsType<GenerationCompleted>(events[^1].Update);
        Assert.False(runner.Cancelled.Task.IsCompleted);
    }

    [Fact]
    public async Task Delete_WhileRunning_StopsTheRun_EndsItsWatchers_AndRemovesEverythingItLeft()
    {
        var grain = await WithArtifacts("g-delete", Spec());
        runner.Release(SampleUpdates.Plan);
        await Collect(grain.WatchAsync(0), 2);
        var watcher = Collect(grain.WatchAsync(2), 100, TimeSpan.FromSeconds(30)); // following live when the delete comes

        Assert.Equal(1500, await grain.DeleteAsync());
        await runner.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(await watcher); // its stream ended, with nothing more in it (no cancelled event: nothing is left to log it in)
        await AssertGone("g-delete", grain);
        Assert.Equal(0, await grain.DeleteAsync()); // twice: nothing left
    }

    [Fact]
    public async Task AnEndedGeneration_IsRemovedWhenItsTimeToLiveHasPassed()
    {
        var grain = await WithArtifacts("g-expire", Spec(retainFor: TimeSpan.FromSeconds(2)));
        runner.Release(SampleUpdates.Completed);
        await Collect(grain.WatchAsync(0), 2);
        Assert.True(Directory.Exists(store.PathOf("g-expire")));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await grain.GetStatusAsync()).CreatedAt is not null && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(200);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1, 30); // not at once: after its time to live
        await AssertGone("g-expire", grain);
    }

    [Fact]
    public async Task State_SurvivesDeactivation_AndTheLogReplays()
    {
        var grain = Grain("g-persist");
        await grain.StartAsync(Spec());
        runner.Release(SampleUpdates.Plan);
        runner.Release(SampleUpdates.Completed);
        await Collect(grain.WatchAsync(0), 3);
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        var live = (await management.GetSimpleGrainStatistics()).Where(s => s.GrainType.Contains(nameof(GenerationGrain))).Sum(s => s.ActivationCount);
        Assert.Equal(0, live); // the grain really was deactivated
        var status = await grain.GetStatusAsync();
        Assert.Equal(GenerationState.Completed, status.State);
        Assert.Equal(3, status.LastSeq);
        Assert.Equal([typeof(GenerationAccepted), typeof(GenerationPlanned), typeof(GenerationCompleted)],
            (await Collect(grain.WatchAsync(0), 3)).Select(e => e.Update.GetType()));
    }

    [Fact]
    public async Task ALogThatWouldPassItsBound_EndsFailed_AndFreeTextIsCut()
    {
        var grain = Grain("g-bounded");
        await grain.StartAsync(Spec());
        for (int step = 1; step <= GenerationLimits.MaxEventsPerGeneration + 10; step++) runner.Release(SampleUpdates.MotionPreview(step, 10_000));
        var events = await Collect(grain.WatchAsync(0), GenerationLimits.MaxEventsPerGeneration, TimeSpan.FromSeconds(60));
        Assert.Equal(GenerationLimits.MaxEventsPerGeneration, events[^1].Seq); // the last place went to the end
        var failed = Assert.IsType<GenerationFailed>(events[^1].Update);
        Assert.Contains("ask for fewer previews", failed.Message);
        Assert.Equal(GenerationState.Failed, (await grain.GetStatusAsync()).State);

        var cut = Grain("g-cut");
        await cut.StartAsync(Spec());
        runner.Release(new GenerationFailed(GenerationStage.Plan, FailureCode.Internal, new string('e', 1_000_000)));
        var end = Assert.IsType<GenerationFailed>((await Collect(cut.WatchAsync(0), 2))[^1].Update);
        Assert.Equal(GenerationLimits.MaxEventTextCharacters, end.Message.Length);
    }

    [Fact]
    public async Task ARunThatEndsBeforeTheDeviceStages_LeavesNoUpload_AndOneThatGotFurtherKeepsIt()
    {
        var early = await WithArtifacts("g-early", Spec() with { ImageKey = "g-early/input-0011.png" });
        await early.CancelAsync("changed my mind");
        await Collect(early.WatchAsync(0), 2);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (store.Exists("g-early/input-0011.png") && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.False(store.Exists("g-early/input-0011.png"));

        var later = await WithArtifacts("g-later", Spec() with { ImageKey = "g-later/input-0011.png" });
        runner.Release(SampleUpdates.Plan);
        runner.Release(SampleUpdates.Segmentation);
        runner.Release(SampleUpdates.MotionPreview());
        await Collect(later.WatchAsync(0), 4);
        await later.CancelAsync("");
        await Collect(later.WatchAsync(0), 5);
        Assert.True(store.Exists("g-later/input-0011.png"));
    }

    [Fact]
    public async Task ATenantsReservation_HoldsItsSlotUntilItsGenerationStartsOrItsGraceEnds_AndFreesOnce()
    {
        var tenant = cluster.Client.GetGrain<ITenantGrain>("tenant-r");
        var one = new TenantLimits(1, 0, 0);
        Assert.True((await tenant.AdmitAsync("g-r1", one)).Admitted); // reserved; its generation has not started
        Assert.True((await tenant.AdmitAsync("g-r1", one)).Admitted); // the same request again: a retry
        Assert.Equal("concurrent generations", (await tenant.AdmitAsync("g-r2", one)).Limit); // not dropped as "never was"
        await tenant.ReleaseAsync("g-r1"); // it never started: the slot frees
        await tenant.ReleaseAsync("g-r1");
        Assert.True((await tenant.AdmitAsync("g-r2", one)).Admitted);
        await Grain("g-r2").StartAsync(Spec() with { Tenant = "tenant-r" });
        await tenant.ReleaseAsync("g-r2"); // a started generation keeps its slot whoever asks
        Assert.Equal(1, (await tenant.GetUsageAsync()).InFlight);
        await tenant.ChargeAsync("g-r2", 2.5);
        await tenant.ChargeAsync("g-r2", double.NaN);
        Assert.Equal(2.5, (await tenant.GetUsageAsync()).DeviceSecondsToday);
        Assert.Equal("device-seconds per day", (await tenant.AdmitAsync("g-r3", new TenantLimits(0, 2, 0))).Limit);
        Assert.Equal("kept generations", (await tenant.AdmitAsync("g-r3", new TenantLimits(0, 0, 0, MaxKeptGenerations: 1))).Limit);
    }
}
