using Ttm.Contracts;

namespace Ttm.Grains.Tests;

/// <summary>Review, then render: a generation that stops after motion rests awaiting review until Continue runs its second part, once.</summary>
public sealed partial class GenerationGrainTests
{
    static readonly IReadOnlyList<float> RightwardPath = [0f, 30f, 60f, 1f, 1f, 90f, 60f, 1f]; // t, x, y, scale per point

    /// <summary>A generation started with stop-after-motion whose first part has run up to its review.</summary>
    async Task<(IGenerationGrain Grain, long ReviewSeq)> InReview(string id, TimeSpan? retainFor = null)
    {
        var grain = Grain(id);
        await grain.StartAsync(Spec(retainFor: retainFor) with { StopAfterMotion = true });
        foreach (var update in new[] { SampleUpdates.Plan, SampleUpdates.Segmentation, SampleUpdates.MotionDone, SampleUpdates.Review })
            runner.Release(update);
        var events = await Collect(grain.WatchAsync(0), 5);
        Assert.IsType<AwaitingReview>(events[^1].Update);
        return (grain, events[^1].Seq);
    }

    [Fact]
    public async Task StopAfterMotion_RestsAwaitingReview_ThenContinueRunsTheSecondPartOnTheSamePlan_WithTheSeqRunningOn()
    {
        var (grain, reviewSeq) = await InReview("g-review");
        // Resting: the watch stream ended at the review (Collect above would have timed out otherwise), a new one replays and ends.
        var status = await grain.GetStatusAsync();
        Assert.Equal((GenerationState.AwaitingReview, GenerationStage.Motion, reviewSeq), (status.State, status.Stage, status.LastSeq));
        Assert.Equal(5, (await Collect(grain.WatchAsync(0), 99)).Count);

        Assert.Equal(reviewSeq, await grain.ContinueAsync(7, [null, RightwardPath]));
        var continuation = runner.Continuations[^1];
        Assert.NotNull(continuation);
        Assert.Equal(7, continuation.Seed);
        Assert.Equal(((GenerationPlanned)SampleUpdates.Plan).Plan, continuation.Plan);
        Assert.Equal(RightwardPath, continuation.Paths[1]);
        Assert.Equal(2, runner.Runs);
        foreach (var update in new[] { SampleUpdates.VideoPreview, SampleUpdates.VideoChunk, SampleUpdates.Completed }) runner.Release(update);

        var rest = await Collect(grain.WatchAsync(reviewSeq), 4);
        var continued = Assert.IsType<GenerationContinued>(rest[0].Update);
        Assert.Equal(7L, continued.Seed);
        Assert.Equal([1], continued.EditedObjects);
        Assert.IsType<GenerationCompleted>(rest[^1].Update);
        var all = await Collect(grain.WatchAsync(0), 99);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), all.Select(e => e.Seq)); // one log, no gap, nothing twice
        Assert.Equal(GenerationState.Completed, (await grain.GetStatusAsync()).State);
    }

    [Fact]
    public async Task ContinueRightAfterTheReview_WaitsForTheFirstRunToWindDown_AndTheSecondPartCompletes()
    {
        // The review ends the watchers' streams before the first run has returned: a client's Continue can arrive while
        // that run still winds down (a clean-clone CI run failed the continued generation with "the run ended without a result").
        var windDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        runner.WindDown = windDown.Task;
        var (grain, reviewSeq) = await InReview("g-review-wind-down");
        var continuing = grain.ContinueAsync(null, []);
        await Task.Delay(200);
        Assert.False(continuing.IsCompleted);
        windDown.SetResult();
        Assert.Equal(reviewSeq, await continuing);
        foreach (var update in new[] { SampleUpdates.VideoPreview, SampleUpdates.VideoChunk, SampleUpdates.Completed }) runner.Release(update);
        var all = await Collect(grain.WatchAsync(0), 9);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), all.Select(e => e.Seq));
        Assert.IsType<GenerationCompleted>(all[^1].Update);
    }

    [Fact]
    public async Task ContinueTwiceAtOnce_RunsTheSecondPartOnce_AndRefusesTheOther()
    {
        var (grain, _) = await InReview("g-review-twice");
        var attempts = await Task.WhenAll(Enumerable.Range(0, 2).Select(async i =>
        {
            try
            {
                await grain.ContinueAsync(i, []);
                return null;
            }
            catch (InvalidOperationException e)
            {
                return e.Message;
            }
        }));
        Assert.Single(attempts, a => a is null);
        Assert.Contains("not awaiting review", Assert.Single(attempts, a => a is not null));
        Assert.Equal(2, runner.Runs); // the first part and one second part
        Assert.Single(await Collect(grain.WatchAsync(0), 6), e => e.Update is GenerationContinued);
    }

    [Fact]
    public async Task Continue_OfAGenerationThatDoesNotAwaitReview_IsRefusedSayingWhatItIs()
    {
        var grain = Grain("g-review-running");
        await grain.StartAsync(Spec());
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ContinueAsync(null, []));
        Assert.Contains("is Running", refused.Message);
        Assert.Contains("stop_after_motion", refused.Message);
        Assert.Equal(1, runner.Runs);
    }

    public static TheoryData<string, float[]?[]> BadEdits => new()
    {
        { "plan has 2 objects", [null, null, [0f, 30f, 60f, 1f, 1f, 90f, 60f, 1f]] },
        { "has 1 points", [[0f, 30f, 60f, 1f]] },
        { "times run from 0 to 1", [[0f, 30f, 60f, 1f, float.NaN, 90f, 60f, 1f]] },
        { "outside the image (128×128)", [[0f, 30f, 60f, 1f, 1f, 300f, 60f, 1f]] },
        { "scale 9", [[0f, 30f, 60f, 1f, 1f, 90f, 60f, 9f]] },
    };

    [Theory]
    [MemberData(nameof(BadEdits))]
    public async Task Continue_WithABadPath_IsRefusedSayingWhy_AndChangesNothing(string says, float[]?[] paths)
    {
        var (grain, reviewSeq) = await InReview($"g-review-bad-{says.GetHashCode():x}");
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => grain.ContinueAsync(null, paths.Select(p => (IReadOnlyList<float>?)p).ToList()));
        Assert.Contains(says, refused.Message);
        var status = await grain.GetStatusAsync();
        Assert.Equal((GenerationState.AwaitingReview, reviewSeq), (status.State, status.LastSeq));
        Assert.Equal(1, runner.Runs);
        await grain.ContinueAsync(null, []); // still continuable
        Assert.Equal(2, runner.Runs);
    }

    [Fact]
    public async Task Cancel_WhileAwaitingReview_EndsItAtOnce_AndItCannotBeContinuedAfter()
    {
        var (grain, reviewSeq) = await InReview("g-review-cancel");
        var status = await grain.CancelAsync("not what I wanted");
        Assert.Equal((GenerationState.Cancelled, reviewSeq + 1), (status.State, status.LastSeq));
        var cancelled = Assert.IsType<GenerationCancelled>((await Collect(grain.WatchAsync(reviewSeq), 1))[0].Update);
        Assert.Equal("not what I wanted", cancelled.Reason);
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ContinueAsync(null, []));
        Assert.Equal(1, runner.Runs);
    }

    [Fact]
    public async Task AGenerationLeftInReview_IsRemovedWhenItsTimeToLiveHasPassed()
    {
        await store.PutAsync("g-review-expire/review/motion.bin", new byte[100], default);
        var (grain, _) = await InReview("g-review-expire", retainFor: TimeSpan.FromSeconds(2));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await grain.GetStatusAsync()).CreatedAt is not null && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(200);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1, 30); // not at once: after its time to live
        await AssertGone("g-review-expire", grain);
    }
}
