namespace Ttm.Grains.Tests;

/// <summary>Variations: a generation of its own whose run is the video stage only, on a trajectory its source stored.</summary>
public sealed partial class GenerationGrainTests
{
    [Fact]
    public async Task VariationSource_OfOneAwaitingReview_IsItsPlanAndTrajectory_AndOfARunningOrTrajectorylessOne_IsRefusedSayingWhy()
    {
        var (grain, _) = await InReview("g-vary-source");
        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.VariationSourceAsync());
        Assert.Contains("kept no trajectory", missing.Message); // the scripted runner stores none
        await store.PutAsync(GenerationContinuation.TrajectoryKeyOf("g-vary-source"), new byte[64], default);
        var source = await grain.VariationSourceAsync();
        Assert.Equal((((GenerationPlanned)SampleUpdates.Plan).Plan, GenerationContinuation.TrajectoryKeyOf("g-vary-source")), (source.Plan, source.TrajectoryKey));
        Assert.Empty(source.Paths);
        Assert.Equal("d1", source.Spec.Digest);

        var running = Grain("g-vary-running");
        await running.StartAsync(Spec());
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => running.VariationSourceAsync());
        Assert.Contains("is Running", refused.Message);
        Assert.Contains("only a completed generation or one awaiting review can be varied", refused.Message);
        await running.CancelAsync("done");
    }

    [Fact]
    public async Task StartVariation_RunsTheSecondPartFromTheStart_NamingItsSource_AndAnotherRequestOnItsIdIsRefused()
    {
        var plan = ((GenerationPlanned)SampleUpdates.Plan).Plan;
        var continuation = new GenerationContinuation(long.MaxValue, [null, RightwardPath], plan, "g-variation/variation-0/motion.bin");
        var grain = Grain("g-variation");
        var spec = Spec(digest: "vary-1") with { VariationOf = "g-source" };
        await grain.StartVariationAsync(spec, continuation);
        var ran = runner.Continuations[^1]!;
        Assert.Equal((long.MaxValue, plan, "g-variation/variation-0/motion.bin"), (ran.Seed, ran.Plan, ran.TrajectoryKey));
        Assert.Equal(RightwardPath, ran.Paths[1]);
        Assert.Equal("g-source", (await grain.GetStatusAsync()).VariationOf);
        Assert.Equal(GenerationState.Running, (await grain.StartVariationAsync(spec, continuation)).State); // the same request again
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.StartVariationAsync(spec with { Digest = "vary-2" }, continuation));
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.ContinueAsync(null, [])); // it never awaits review

        foreach (var update in new[] { SampleUpdates.VideoPreview, SampleUpdates.VideoChunk, SampleUpdates.Completed }) runner.Release(update);
        var events = await Collect(grain.WatchAsync(0), 4);
        Assert.Equal("g-source", Assert.IsType<GenerationAccepted>(events[0].Update).VariationOf);
        Assert.IsType<GenerationCompleted>(events[^1].Update);
        Assert.Equal(1, runner.Runs);
    }
}
