using TorchSharp;
using Ttm.Models;
using Ttm.Models.Sampling;
using Ttm.Benchmarks;
using static TorchSharp.torch;

/// <summary>
/// The same weights, conditions and seeds, run as one batch of three requests for eight steps per stage on the
/// CPU and on a device: the final latents must agree (the device's kernels differ, so within 1e-3).
/// </summary>
static class DeviceAgreement
{
    public static bool Check(Device device)
    {
        bool agree = true;
        foreach (var stage in new[] { ModelStage.Motion, ModelStage.Video })
        {
            var config = TtmConfig.Named("tiny") with { Stage = stage, Variant = TtmVariant.Ttm };
            manual_seed(7);
            using var onCpu = new VideoDit(config);
            using var onDevice = new VideoDit(config);
            onDevice.load_state_dict(onCpu.state_dict());
            onDevice.to(device);
            onCpu.eval();
            onDevice.eval();
            using var cpuEnd = Run(onCpu, config);
            using var deviceEnd = Run(onDevice, config);
            double difference = (cpuEnd - deviceEnd.cpu()).abs().max().item<float>();
            Console.WriteLine($"{stage}: largest difference {difference:E2} over {cpuEnd.numel()} values");
            agree &= difference < 1e-3;
        }
        return agree;
    }

    /// <returns>(3, 3, T, H, W) the three requests' latents after eight steps, on the model's device</returns>
    static Tensor Run(VideoDit model, TtmConfig config)
    {
        using var scope = NewDisposeScope();
        var sampler = new FlowSampler(model);
        var conditions = Enumerable.Range(0, 3).Select(i => SyntheticConditions.For(config, i)).ToList();
        var requests = conditions.Select((c, i) => sampler.Start(c, new SamplingOptions(8, GuidanceScales.Default, i))).ToList();
        while (!requests[0].IsDone)
            foreach (var result in sampler.Advance(requests)) result.Dispose();
        return cat(requests.Select(r => r.State).ToList(), 0).MoveToOuterDisposeScope();
    }
}
