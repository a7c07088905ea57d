using System.Diagnostics;
using TorchSharp;
using Ttm.Benchmarks;
using Ttm.Models;
using Ttm.Models.Sampling;
using static TorchSharp.torch;

/// <summary>
/// One backend's forward pass of the tiny DiT (libtorch, or ONNX Runtime) on one device, in the sampler as the device
/// worker runs it: three requests of eight steps in batched passes must end where libtorch on the CPU ends (the same
/// weights and seeds; within 1e-3, the device's kernels differ), then one step of k requests (three guidance rows each)
/// timed at each k, as <see cref="BatchingBenchmark"/> does.
/// </summary>
static class ForwardCheck
{
    public const double Tolerance = 1e-3;

    public sealed record StageAgreement(string Stage, double LargestDifference, long Values);

    public sealed record Report(string Backend, string Device, string Provider, bool Agree, double Tolerance,
        IReadOnlyList<StageAgreement> Agreement, IReadOnlyList<BatchingBenchmark.Timing> Steps);

    public static Report Run(string backend, string deviceName, IReadOnlyList<int> requestCounts, int repeats)
    {
        var device = TorchDevices.Parse(deviceName);
        var agreement = new List<StageAgreement>();
        var steps = new List<BatchingBenchmark.Timing>();
        string provider = "libtorch";
        foreach (var stage in new[] { ModelStage.Motion, ModelStage.Video })
        {
            var config = TtmConfig.Named("tiny") with { Stage = stage, Variant = TtmVariant.Ttm };
            manual_seed(7);
            using var onCpu = new VideoDit(config);
            RandomWeights.ExerciseEveryLayer(onCpu); // DiT's zero-initialised output layer would predict 0 on any backend
            onCpu.eval();
            using var reference = FinalLatents(new FlowSampler(onCpu), config);

            // libtorch: a copy of the weights on the device. ONNX Runtime: the CPU module holds the sampler's tensors and the
            // provider moves each pass's inputs to its device.
            using var onDevice = backend == "libtorch" ? Copy(onCpu, config, device) : null;
            using var onnx = backend == "onnx" ? new OnnxDeviceForward(onCpu, device) : null;
            provider = onnx?.Provider ?? $"libtorch {device}";
            var sampler = onnx is null ? new FlowSampler(onDevice!) : new FlowSampler(onCpu, onnx);
            using (var end = FinalLatents(sampler, config))
                agreement.Add(new StageAgreement(stage.ToString().ToLowerInvariant(), (reference - end.cpu()).abs().max().item<float>(), reference.numel()));
            steps.AddRange(BatchingBenchmark.Steps(sampler, config, device, requestCounts, repeats));
        }
        return new Report(backend, deviceName, provider, agreement.All(a => a.LargestDifference < Tolerance), Tolerance, agreement, steps);
    }

    static VideoDit Copy(VideoDit source, TtmConfig config, Device device)
    {
        var copy = new VideoDit(config);
        copy.load_state_dict(source.state_dict());
        copy.to(device);
        copy.eval();
        return copy;
    }

    /// <returns>(3, 3, T, H, W) three requests' latents after eight batched steps, on the CPU</returns>
    static Tensor FinalLatents(FlowSampler sampler, TtmConfig config)
    {
        using var scope = NewDisposeScope();
        var conditions = Enumerable.Range(0, 3).Select(i => SyntheticConditions.For(config, i)).ToList();
        var requests = conditions.Select((c, i) => sampler.Start(c, new SamplingOptions(8, GuidanceScales.Default, i))).ToList();
        while (!requests[0].IsDone)
            foreach (var result in sampler.Advance(requests)) result.Dispose();
        var end = cat(requests.Select(r => r.State.cpu()).ToList(), 0).MoveToOuterDisposeScope();
        requests.ForEach(r => r.Dispose());
        conditions.ForEach(c => c.Dispose());
        return end;
    }
}
