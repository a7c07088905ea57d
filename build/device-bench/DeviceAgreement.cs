using TorchSharp;
using Ttm.Models;
using Ttm.Models.Sampling;
using Ttm.Benchmarks;
using static TorchSharp.torch;

/// <summary>
/// The same weights, conditions and seeds, three concurrent requests of eight steps per stage through the stage
/// runner over a device worker that batches all three (the served path), on the CPU and on a device: the final
/// latents must agree (the device's kernels differ, so within 1e-3).
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
        var sampler = new FlowSampler(model);
        using var worker = new Ttm.Pipeline.Devices.DeviceWorker(model.parameters().First().device.ToString(), maxBatch: 3);
        var conditions = Enumerable.Range(0, 3).Select(i => SyntheticConditions.For(config, i)).ToList();
        var runs = conditions.Select((c, i) => new StageRunner(worker.StepperFor($"tenant-{i}"))
            .RunAsync(sampler, c, new SamplingOptions(8, GuidanceScales.Default, i), StageHooks.None, CancellationToken.None)).ToArray();
        var results = Task.WhenAll(runs).GetAwaiter().GetResult();
        using var scope = NewDisposeScope();
        var end = cat(results.Select(r => r.Sample).ToList(), 0).MoveToOuterDisposeScope();
        foreach (var r in results) r.Dispose();
        conditions.ForEach(c => c.Dispose());
        return end;
    }
}
