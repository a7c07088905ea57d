using Ttm.Models.Sampling;
using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class DdimSamplerTests
{
    [Fact]
    public void ZeroTerminalSnr_MakesTheLastTimestepPureNoise_AndKeepsTheFirst()
    {
        var rescaled = DiffusionSchedule.ScaledLinear(zeroTerminalSnr: true);
        var plain = DiffusionSchedule.ScaledLinear(zeroTerminalSnr: false);
        Assert.Equal(0.0, rescaled.AlphaBar(DiffusionSchedule.TrainSteps - 1)); // ᾱ(T) = 0: x_T = ε exactly
        Assert.Equal(0.0, rescaled.Snr(DiffusionSchedule.TrainSteps - 1));
        Assert.InRange(plain.AlphaBar(DiffusionSchedule.TrainSteps - 1), 0.004, 0.006); // SD's schedule leaks signal (√ᾱ ≈ 0.068)
        Assert.Equal(plain.AlphaBar(0), rescaled.AlphaBar(0), 12); // √ᾱ_0 kept
        Assert.Equal(1.0, rescaled.AlphaBar(-1)); // the clean sample
        for (int t = 1; t < DiffusionSchedule.TrainSteps; t++)
            Assert.True(rescaled.AlphaBar(t) < rescaled.AlphaBar(t - 1), $"ᾱ does not fall at t = {t}");
    }

    [Fact]
    public void TrailingTimesteps_StartAtTheLastTimestep_AndEndClean()
    {
        Assert.Equal([999, 749, 499, 249, -1], DiffusionSchedule.TrailingTimesteps(4));
        var sixteen = DiffusionSchedule.TrailingTimesteps(16);
        Assert.Equal(17, sixteen.Length);
        Assert.Equal(999, sixteen[0]);
        Assert.Equal(-1, sixteen[^1]);
        Assert.True(sixteen.Zip(sixteen.Skip(1)).All(p => p.First > p.Second));
    }

    [Theory]
    [InlineData(true, 600, 400)]
    [InlineData(true, 999, 749)] // from pure noise: ᾱ = 0
    [InlineData(false, 999, 749)]
    [InlineData(true, 249, -1)] // the last step lands on x_0
    public void VPredictionStep_WithTheTrueV_IsTheAnalyticDdimUpdate(bool zeroTerminalSnr, int t, int next)
    {
        var schedule = DiffusionSchedule.ScaledLinear(zeroTerminalSnr);
        using var g = new Generator(11);
        using var x0 = randn([1, 3, 4, 8, 8], generator: g, dtype: ScalarType.Float64);
        using var noise = randn([1, 3, 4, 8, 8], generator: g, dtype: ScalarType.Float64);
        double a = schedule.AlphaBar(t), aNext = schedule.AlphaBar(next);
        using var xt = Math.Sqrt(a) * x0 + Math.Sqrt(1 - a) * noise;       // forward process
        using var v = Math.Sqrt(a) * noise - Math.Sqrt(1 - a) * x0;        // v-prediction target
        using var expected = Math.Sqrt(aNext) * x0 + Math.Sqrt(1 - aNext) * noise; // DDIM (η = 0) with the true x_0 and ε

        var (updated, clean) = DdimSampler.Step(schedule, xt, v, t, next);
        using var _ = updated;
        using var __ = clean;
        Assert.True(clean.allclose(x0, rtol: 0, atol: 1e-6), $"x̂_0 off by {(clean - x0).abs().max().item<double>()}");
        Assert.True(updated.allclose(expected, rtol: 0, atol: 1e-6), $"x_t' off by {(updated - expected).abs().max().item<double>()}");
    }

    static (VideoUnet Model, DdimSampler Sampler) Sampler(ModelStage stage = ModelStage.Video)
    {
        var model = new VideoUnet(TestWorld.UnetConfig(stage));
        TestWorld.Randomise(model);
        model.eval();
        return (model, new DdimSampler(model));
    }

    [Fact]
    public void Sample_ThroughTheOneRunner_KeepsShape_AndResumingFromACheckpointEqualsTheUninterruptedRun()
    {
        var (model, sampler) = Sampler();
        using var _ = model;
        using var conditions = TestWorld.Conditions(model.Config, 2, seed: 1);
        var options = new SamplingOptions(4, new GuidanceScales(2f, 3f), Seed: 5);
        var checkpoints = new List<StageCheckpoint>();
        using var whole = sampler.Sample(conditions, options, new StageHooks
        {
            CheckpointEvery = 2,
            OnCheckpoint = (c, _) => { checkpoints.Add(c); return Task.CompletedTask; },
        });
        Assert.Equal(new long[] { 1, 3, model.Config.Frames, model.Config.Height, model.Config.Width }, whole.shape);
        Assert.False(whole.isnan().any().item<bool>());
        Assert.Equal([2, 4], checkpoints.Select(c => c.Step));

        using var resumed = sampler.Sample(conditions, options, new StageHooks { ResumeFrom = checkpoints[0] });
        Assert.True(resumed.allclose(whole, rtol: 1e-5, atol: 1e-6), $"resumed run differs by {(resumed - whole).abs().max().item<float>()}");
    }

    [Fact]
    public void Advance_TwoRequestsInOneBatch_EqualsEachAlone()
    {
        var (model, sampler) = Sampler(ModelStage.Motion);
        using var _ = model;
        using var c1 = TestWorld.Conditions(model.Config, 1, seed: 1);
        using var c2 = TestWorld.Conditions(model.Config, 3, seed: 2);
        var o1 = new SamplingOptions(3, new GuidanceScales(2f, 3f), Seed: 1);
        var o2 = new SamplingOptions(2, new GuidanceScales(1f, 1f), Seed: 2);
        using var alone1 = sampler.Sample(c1, o1);
        using var alone2 = sampler.Sample(c2, o2);

        using var r1 = sampler.Start(c1, o1);
        using var r2 = sampler.Start(c2, o2);
        foreach (var result in sampler.Advance([r1])) result.Dispose(); // different steps in one batch
        while (!r1.IsDone || !r2.IsDone)
            foreach (var result in sampler.Advance(new[] { r1, r2 }.Where(r => !r.IsDone).ToList())) result.Dispose();
        Assert.True(allclose(alone1, r1.State, rtol: 1e-4, atol: 1e-5), $"request 1 differs by {(alone1 - r1.State).abs().max().item<float>()}");
        Assert.True(allclose(alone2, r2.State, rtol: 1e-4, atol: 1e-5), $"request 2 differs by {(alone2 - r2.State).abs().max().item<float>()}");
    }

    [Fact]
    public void Sample_CancelledBetweenSteps_Stops()
    {
        var (model, sampler) = Sampler(ModelStage.Motion);
        using var _ = model;
        using var conditions = TestWorld.Conditions(model.Config, 1, seed: 1);
        using var cts = new CancellationTokenSource();
        int steps = 0;
        Assert.Throws<OperationCanceledException>(() => sampler.Sample(conditions, new SamplingOptions(6, new GuidanceScales(1f, 1f), 1),
            new StageHooks { PreviewEvery = 1, OnPreview = (_, _) => { if (++steps == 2) cts.Cancel(); return Task.CompletedTask; } }, cts.Token));
        Assert.Equal(2, steps);
    }

    [Fact]
    public void TheStepCache_IsRefusedSayingWhy()
    {
        var (model, sampler) = Sampler(ModelStage.Motion);
        using var _ = model;
        using var conditions = TestWorld.Conditions(model.Config, 1, seed: 1);
        var error = Assert.Throws<NotSupportedException>(() =>
            sampler.Start(conditions, new SamplingOptions(4, GuidanceScales.Default, 1, StepCachePolicy.Balanced)));
        Assert.Contains("step cache", error.Message);
    }
}
