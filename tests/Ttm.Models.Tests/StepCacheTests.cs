using Ttm.Models.Sampling;
using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class StepCacheTests
{
    /// <summary>Skips every step it is allowed to (any change is below the threshold).</summary>
    static readonly StepCachePolicy SkipWherever = new("skip-wherever", 1e9f, 2, 1);
    /// <summary>Takes the cached path but never skips (no change is below the threshold).</summary>
    static readonly StepCachePolicy NeverBelow = new("never-below", 1e-30f, 2, 1);

    static (VideoDit Model, FlowSampler Sampler) Sampler()
    {
        var model = new VideoDit(TestWorld.Config(ModelStage.Video, prediction: Prediction.Sample));
        TestWorld.Randomise(model);
        using (no_grad())
            foreach (var block in model.Blocks)
            {
                block.AddedSelfGate?.fill_(0.5f);
                block.AddedCrossGate?.fill_(0.5f);
            }
        model.eval();
        return (model, new FlowSampler(model));
    }

    /// <summary>Settings that take the cached paths (blocks, guidance or both) but whose thresholds nothing is below.</summary>
    public static TheoryData<string> NeverReusing => ["blocks", "guidance", "both"];

    static StepCachePolicy NeverReusingPolicy(string which) => which switch
    {
        "blocks" => NeverBelow,
        "guidance" => new("never-settles", 0f, 0, 0, new GuidanceReuse(1e-30f, 2, 1)),
        _ => NeverBelow with { Name = "never-either", Guidance = new GuidanceReuse(1e-30f, 2, 1) },
    };

    [Theory]
    [MemberData(nameof(NeverReusing))]
    public void CachedPath_ThatNeverReuses_IsBitIdenticalToNoCache(string which)
    {
        var (model, sampler) = Sampler();
        using var _ = model;
        using var conditions = TestWorld.Conditions(model.Config, 2, seed: 1);
        var exact = new SamplingOptions(6, GuidanceScales.Default, Seed: 5);
        using var plain = sampler.Sample(conditions, exact);
        using var cached = sampler.Sample(conditions, exact with { Cache = NeverReusingPolicy(which) });
        Assert.True(plain.eq(cached).all().item<bool>(), $"differs by {(plain - cached).abs().max().item<float>()}");
        Assert.Equal(0, sampler.Counters.CachedSteps);
        Assert.Equal(0, sampler.Counters.GuidanceReuses);
    }

    [Fact]
    public void SkippingPolicy_SkipsOnlyWhereAllowed_AndCountsOneBlockPerSkippedStep()
    {
        var (model, sampler) = Sampler();
        using var _ = model;
        using var conditions = TestWorld.Conditions(model.Config, 2, seed: 1);
        var options = new SamplingOptions(8, GuidanceScales.Default, Seed: 5, SkipWherever);
        using var request = sampler.Start(conditions, options);
        var skipped = new List<int>();
        while (!request.IsDone)
        {
            int before = request.CachedSteps, step = request.Step;
            foreach (var result in sampler.Advance([request])) result.Dispose();
            if (request.CachedSteps > before) skipped.Add(step);
        }
        // Step 0 in full (FullFirstSteps 1), then at most two skips in a row, and the last step (7) in full.
        Assert.Equal([1, 2, 4, 5], skipped);
        int depth = model.Config.Depth;
        Assert.Equal(4 * depth + 4, request.BlockForwards);
        Assert.Equal(new SamplerCounters(8, 4, 0, 4L * depth + 4, 3 * (4L * depth + 4)), sampler.Counters);
        using var exact = sampler.Sample(conditions, options with { Cache = null });
        Assert.True(request.State.isfinite().all().item<bool>());
        Assert.False(exact.allclose(request.State), "skipping steps of a random network should change the sample");
    }

    [Fact]
    public void InABatch_ARequestWithTheCacheOff_IsComputedInFull_WhileItsPartnerSkips()
    {
        var (model, sampler) = Sampler();
        using var _ = model;
        using var c1 = TestWorld.Conditions(model.Config, 1, seed: 1);
        using var c2 = TestWorld.Conditions(model.Config, 3, seed: 2);
        var exact = new SamplingOptions(6, GuidanceScales.Default, Seed: 1);
        using var alone = sampler.Sample(c1, exact);

        using var r1 = sampler.Start(c1, exact);
        using var r2 = sampler.Start(c2, new SamplingOptions(6, new GuidanceScales(1f, 1f), Seed: 2, SkipWherever)); // one row, skipping
        while (!r1.IsDone)
            foreach (var result in sampler.Advance([r1, r2])) result.Dispose();

        Assert.Equal(0, r1.CachedSteps);
        Assert.Equal(6 * model.Config.Depth, r1.BlockForwards);
        Assert.True(r2.CachedSteps >= 2, $"the partner skipped {r2.CachedSteps} steps");
        Assert.True(allclose(alone, r1.State, rtol: 1e-4, atol: 1e-5), $"the exact request differs by {(alone - r1.State).abs().max().item<float>()}");
    }

    /// <summary>Reuses the guidance term wherever allowed (any change is below the threshold), blocks never skipped.</summary>
    static readonly StepCachePolicy ReuseWherever = new("reuse-wherever", 0f, 0, 0, new GuidanceReuse(1e9f, 2, 1));

    [Fact]
    public void GuidanceReuse_RunsOneRowWhereAllowed_AndAddsTheLastTerm()
    {
        var (model, sampler) = Sampler();
        using var _ = model;
        using var conditions = TestWorld.Conditions(model.Config, 2, seed: 1);
        var options = new SamplingOptions(8, GuidanceScales.Default, Seed: 5, ReuseWherever);
        using var request = sampler.Start(conditions, options);
        Tensor Row(StageConditions row)
        {
            using var mode = inference_mode();
            using var batch = StageConditions.Collate([row], request.State, tensor(new[] { request.Time }), model.Config.TextWidth);
            return model.forward(batch);
        }
        var reused = new List<int>();
        Tensor? term = null;
        while (!request.IsDone)
        {
            int before = request.GuidanceReuses, step = request.Step;
            if (step == 1)
            {
                // The term step 1 leaves, by hand: C = x̃ − ε(V,T).
                using var u = Row(conditions.Without(visual: true, text: true));
                using var v = Row(conditions.Without(visual: false, text: true));
                using var full = Row(conditions);
                using var guided = options.Guidance.Combine(u, v, full);
                using (inference_mode()) term = guided - full;
            }
            if (step == 2)
            {
                // What a reusing step computes: the full row alone, plus step 1's term.
                using var full = Row(conditions);
                using var mode = inference_mode();
                using var expected = full + term!;
                using var result = sampler.Advance([request])[0];
                Assert.True(allclose(expected, result.CleanEstimate, rtol: 1e-4, atol: 1e-5), $"differs by {(expected - result.CleanEstimate).abs().max().item<float>()}");
            }
            else
                foreach (var result in sampler.Advance([request])) result.Dispose();
            if (request.GuidanceReuses > before) reused.Add(step);
        }
        term?.Dispose();
        // Steps 0 and 1 in three rows (the term needs two of them to be measured), then at most two reuses in a row,
        // a three-row step between, and the last step (7) in three rows.
        Assert.Equal([2, 3, 5, 6], reused);
        int depth = model.Config.Depth;
        Assert.Equal(new SamplerCounters(8, 0, 4, 8L * depth, (4 * 3 + 4) * (long)depth), sampler.Counters);
        using var exact = sampler.Sample(conditions, options with { Cache = null });
        Assert.False(exact.allclose(request.State), "reusing the guidance term of a random network should change the sample");
    }

    [Fact]
    public void GuidanceReuse_AndBlockSkips_Compose_AndAnExactPartnerKeepsItsSoloSample()
    {
        var (model, sampler) = Sampler();
        using var _ = model;
        using var c1 = TestWorld.Conditions(model.Config, 1, seed: 1);
        using var c2 = TestWorld.Conditions(model.Config, 3, seed: 2);
        var exact = new SamplingOptions(8, GuidanceScales.Default, Seed: 1);
        using var alone = sampler.Sample(c1, exact);

        var both = new StepCachePolicy("both", 1e9f, 2, 1, new GuidanceReuse(1e9f, 2, 1));
        using var r1 = sampler.Start(c1, exact);
        using var r2 = sampler.Start(c2, new SamplingOptions(8, GuidanceScales.Default, Seed: 2, both));
        while (!r1.IsDone)
            foreach (var result in sampler.Advance([r1, r2])) result.Dispose();

        Assert.Equal((0, 0), (r1.CachedSteps, r1.GuidanceReuses));
        Assert.True(r2.GuidanceReuses >= 2, $"the partner reused guidance {r2.GuidanceReuses} times");
        Assert.True(r2.CachedSteps >= 2, $"the partner skipped blocks {r2.CachedSteps} times");
        Assert.True(r2.State.isfinite().all().item<bool>());
        Assert.True(allclose(alone, r1.State, rtol: 1e-4, atol: 1e-5), $"the exact request differs by {(alone - r1.State).abs().max().item<float>()}");
    }

    [Fact]
    public void OnOnnxRuntime_ASkippingRequestAndItsExactPartner_AgreeWithLibtorch_StepForStep()
    {
        // The cache's pieces (first block on every row, the other blocks on the exact partner's rows, unembed on all)
        // as ONNX Runtime graphs: the same decisions (the policies skip and reuse wherever allowed) and the same states.
        var (model, sampler) = Sampler();
        using var _ = model;
        using var onnx = new Onnx.OnnxForward(model, threads: 1);
        var onOnnx = new FlowSampler(model, onnx);
        using var c1 = TestWorld.Conditions(model.Config, 1, seed: 1);
        using var c2 = TestWorld.Conditions(model.Config, 3, seed: 2);
        var exact = new SamplingOptions(8, GuidanceScales.Default, Seed: 1);
        var both = new SamplingOptions(8, GuidanceScales.Default, Seed: 2, new StepCachePolicy("both", 1e9f, 2, 1, new GuidanceReuse(1e9f, 2, 1)));
        var states = new List<Tensor>();
        foreach (var runner in new[] { sampler, onOnnx })
        {
            using var r1 = runner.Start(c1, exact);
            using var r2 = runner.Start(c2, both);
            while (!r1.IsDone)
                foreach (var result in runner.Advance([r1, r2])) result.Dispose();
            Assert.True(r2.CachedSteps >= 2, $"the partner skipped blocks {r2.CachedSteps} times on {runner.Runtime}");
            states.Add(cat([r1.State, r2.State], 0));
        }
        Assert.Equal(sampler.Counters, onOnnx.Counters);
        double difference = (states[0] - states[1]).abs().max().item<float>();
        Assert.True(difference <= 1e-4, $"8 cached steps on ONNX Runtime differ from libtorch's by {difference:E2}");
        states.ForEach(s => s.Dispose());
    }

    [Fact]
    public void Policies_OffFirst_AndUnknownNamesAreRefused()
    {
        Assert.Same(StepCachePolicy.Off, StepCachePolicy.Named[0]);
        Assert.True(StepCachePolicy.Off.IsOff);
        Assert.All(StepCachePolicy.Named.Skip(1), p => Assert.False(p.IsOff));
        Assert.Same(StepCachePolicy.Balanced, StepCachePolicy.Parse("Balanced"));
        var error = Assert.Throws<ArgumentException>(() => StepCachePolicy.Parse("fast"));
        Assert.Contains("off, balanced, aggressive", error.Message);
    }
}
