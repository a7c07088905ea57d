using Ttm.Models.Sampling;
using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class FlowSamplerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(50)]
    public void LinearQuadraticSchedule_RunsFromNoiseToData_Increasing(int steps)
    {
        var times = FlowSchedule.LinearQuadratic(steps);
        Assert.Equal(steps + 1, times.Length);
        Assert.Equal(0f, times[0]);
        Assert.Equal(1f, times[^1], 5);
        for (int i = 1; i < times.Length; i++) Assert.True(times[i] > times[i - 1], $"t[{i}] = {times[i]} ≤ t[{i - 1}] = {times[i - 1]}");
    }

    [Fact]
    public void LinearQuadraticSchedule_FirstHalfIsLinearUpToTheThreshold()
    {
        var times = FlowSchedule.LinearQuadratic(50, thresholdNoise: 0.025);
        for (int i = 0; i <= 25; i++) Assert.Equal(i * 0.025f / 25, times[i], 5);
    }

    [Fact]
    public void Guidance_CombinesTheThreeRowsAsTheFormula()
    {
        var s = new GuidanceScales(1.5f, 4f);
        using var u = tensor(new[] { 1f, 2f });
        using var v = tensor(new[] { 3f, -1f });
        using var f = tensor(new[] { 0.5f, 5f });
        using var combined = s.Combine(u, v, f);
        // ε(∅,∅) + s_V (ε(V,∅) − ε(∅,∅)) + s_T (ε(V,T) − ε(V,∅))
        Assert.Equal(new[] { 1f + 1.5f * 2f + 4f * -2.5f, 2f + 1.5f * -3f + 4f * 6f }, combined.data<float>().ToArray());
    }

    static (VideoDit Model, FlowSampler Sampler) Sampler(Prediction prediction = Prediction.Velocity)
    {
        var config = TestWorld.Config(ModelStage.Video, prediction: prediction);
        var model = new VideoDit(config);
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

    [Theory]
    [InlineData(Prediction.Velocity)]
    [InlineData(Prediction.Sample)]
    public void Sample_SameSeed_SameVideo_OtherSeed_Differs(Prediction prediction)
    {
        var (model, sampler) = Sampler(prediction);
        using var _ = model;
        using var conditions = TestWorld.Conditions(model.Config, 2, seed: 1);
        var options = new SamplingOptions(4, GuidanceScales.Default, Seed: 42);
        using var a = sampler.Sample(conditions, options);
        using var b = sampler.Sample(conditions, options);
        using var c = sampler.Sample(conditions, options with { Seed = 43 });
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.allclose(c));
    }

    [Fact]
    public void Advance_TwoRequestsInOneBatch_EqualsEachAlone()
    {
        var (model, sampler) = Sampler();
        using var _ = model;
        using var c1 = TestWorld.Conditions(model.Config, 1, seed: 1);
        using var c2 = TestWorld.Conditions(model.Config, 3, seed: 2); // other image, prompts, masks
        var o1 = new SamplingOptions(6, new GuidanceScales(2f, 3f), Seed: 1);
        var o2 = new SamplingOptions(4, new GuidanceScales(1f, 1f), Seed: 2); // other steps and guidance

        using var alone1 = sampler.Sample(c1, o1);
        using var alone2 = sampler.Sample(c2, o2);

        using var r1 = sampler.Start(c1, o1);
        using var r2 = sampler.Start(c2, o2);
        foreach (var result in sampler.Advance([r1])) result.Dispose(); // r1 one step ahead: different step indices in the batch
        while (!r1.IsDone || !r2.IsDone)
            foreach (var result in sampler.Advance(new[] { r1, r2 }.Where(r => !r.IsDone).ToList())) result.Dispose();

        Assert.True(allclose(alone1, r1.State, rtol: 1e-4, atol: 1e-5), $"request 1 differs by {(alone1 - r1.State).abs().max().item<float>()}");
        Assert.True(allclose(alone2, r2.State, rtol: 1e-4, atol: 1e-5), $"request 2 differs by {(alone2 - r2.State).abs().max().item<float>()}");
    }

    [Fact]
    public void Sample_HandsOutACleanEstimatePerStep_AndItsLastCheckpointIsTheSample()
    {
        var (model, sampler) = Sampler();
        using var _ = model;
        using var conditions = TestWorld.Conditions(model.Config, 2, seed: 1);
        var steps = new List<int>();
        Tensor? last = null;
        StageCheckpoint? final = null;
        using var sample = sampler.Sample(conditions, new SamplingOptions(5, GuidanceScales.Default, 3), new StageHooks
        {
            PreviewEvery = 1,
            OnPreview = (r, _) =>
            {
                steps.Add(r.Step);
                last?.Dispose();
                last = r.CleanEstimate.clone();
                return Task.CompletedTask;
            },
            CheckpointEvery = 5,
            OnCheckpoint = (c, _) => { final = c; return Task.CompletedTask; },
        });
        Assert.Equal([1, 2, 3, 4], steps); // no preview after the last step: its x̂ is the sample
        Assert.Equal(5, final!.Step);
        Assert.Equal(sample.data<float>().ToArray(), final.Latent);
        last!.Dispose();
    }

    [Fact]
    public void Sample_CancelledBetweenSteps_Stops()
    {
        var (model, sampler) = Sampler();
        using var _ = model;
        using var conditions = TestWorld.Conditions(model.Config, 1, seed: 1);
        using var cts = new CancellationTokenSource();
        int steps = 0;
        Assert.Throws<OperationCanceledException>(() => sampler.Sample(conditions, new SamplingOptions(10, GuidanceScales.Default, 1),
            new StageHooks { PreviewEvery = 1, OnPreview = (_, _) => { if (++steps == 3) cts.Cancel(); return Task.CompletedTask; } }, cts.Token));
        Assert.Equal(3, steps);
    }

    [Fact]
    public void FiftySteps_LeaveNoLiveTensors()
    {
        var (model, sampler) = Sampler();
        using var _ = model;
        using var conditions = TestWorld.Conditions(model.Config, 2, seed: 1);
        var options = new SamplingOptions(50, GuidanceScales.Default, 5);
        sampler.Sample(conditions, options with { Steps = 2 }).Dispose(); // warm up lazily created state
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        sampler.Sample(conditions, options, new StageHooks { PreviewEvery = 1, OnPreview = (_, _) => Task.CompletedTask }).Dispose();
        long after = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 0, $"{after - before} tensors outlived 50 sampler steps");
    }

    [Fact]
    public void OnOnnxRuntime_ASampleAgreesWithLibtorchs_AndLeavesNoLiveTensors()
    {
        var (model, sampler) = Sampler(Prediction.Sample);
        using var _ = model;
        using var onnx = new Ttm.Models.Onnx.OnnxForward(model, threads: 1);
        var onOnnx = new FlowSampler(model, onnx);
        Assert.Equal((NetworkRuntime.Libtorch, NetworkRuntime.OnnxRuntime), (sampler.Runtime, onOnnx.Runtime));
        using var conditions = TestWorld.Conditions(model.Config, 2, seed: 2);
        var options = new SamplingOptions(12, GuidanceScales.Default, 9);
        using var expected = sampler.Sample(conditions, options);
        onOnnx.Sample(conditions, options with { Steps = 2 }).Dispose(); // warm up
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var actual = onOnnx.Sample(conditions, options);
        long after = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        double difference = (actual - expected).abs().max().item<float>();
        Assert.True(difference <= 1e-4, $"12 guided steps on ONNX Runtime differ from libtorch's by {difference:E2}");
        Assert.True(after - before <= 1, $"{after - before - 1} tensors outlived the ONNX Runtime sample besides the sample");
    }

    [Theory]
    [InlineData("cpu:0", null, NetworkRuntime.OnnxRuntime)]
    [InlineData("cpu", "auto", NetworkRuntime.OnnxRuntime)]
    [InlineData("cpu:0", "libtorch", NetworkRuntime.Libtorch)]
    [InlineData("cuda:0", "auto", NetworkRuntime.Libtorch)]
    [InlineData("cpu:0", "OnnxRuntime", NetworkRuntime.OnnxRuntime)]
    public void TheNetworkRuntime_IsOnnxRuntimeOnTheCpuAndLibtorchOnAnAccelerator_UnlessTheSettingSaysSo(string device, string? setting, NetworkRuntime expected) =>
        Assert.Equal(expected, NetworkRuntimes.For(device, setting));

    [Fact]
    public void OnnxRuntimeOnAnAccelerator_OrAnUnknownRuntime_IsRefusedSayingWhy()
    {
        Assert.Contains("CPU devices only", Assert.Throws<ArgumentException>(() => NetworkRuntimes.For("cuda:0", "onnxruntime")).Message);
        Assert.Contains("auto, libtorch, onnxruntime", Assert.Throws<ArgumentException>(() => NetworkRuntimes.For("cpu:0", "tvm")).Message);
    }
}
