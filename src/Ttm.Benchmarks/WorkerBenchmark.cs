using System.Diagnostics;
using TorchSharp;
using Ttm.Models;
using Ttm.Models.Sampling;
using Ttm.Pipeline.Devices;
using static TorchSharp.torch;

namespace Ttm.Benchmarks;

/// <summary>
/// The device worker alone, without segmentation, text encoding or video encoding: k concurrent generations each
/// denoise stage 1 then stage 2 through one <see cref="DeviceWorker"/> (the stage runner over its stepper),
/// batching off (max batch 1) and on. Random weights of a named size. The share of a generation that batching can
/// speed up, on any device; <see cref="ServingBenchmark"/> measures the whole server. On a simulated device (sim:h100)
/// the passes take the cost model's time: set beside the same benchmark run on the real device, it checks the model.
/// </summary>
public static class WorkerBenchmark
{
    public sealed record Level(int Concurrency, bool Batching, double GenerationsPerMinute, double Seconds, double MeanBatch);

    public sealed record Report(string Device, int StepsPerStage, int MaxBatch, IReadOnlyList<Level> Throughput);

    /// <param name="deviceName">cpu, cuda:N, or a simulated device (<see cref="DeviceName"/>)</param>
    public static async Task<Report> RunAsync(string deviceName, string size, int steps, int? maxBatch, IReadOnlyList<int> levels, TextWriter? progress = null)
    {
        var name = DeviceName.Parse(deviceName);
        using var worker = new DeviceWorker(name.ToString(), maxBatch); // first: it decides which threads compute with how many cores
        var device = TorchDevices.Parse(deviceName);
        int batchOn = worker.MaxBatch;
        var samplers = new[] { ModelStage.Motion, ModelStage.Video }.Select(stage =>
        {
            var model = new VideoDit(TtmConfig.Named(size) with { Stage = stage, Variant = TtmVariant.Ttm });
            model.to(device);
            model.eval();
            return new FlowSampler(model, name.Kind == DeviceKind.Simulated ? new Models.Simulation.SimulatedForward(model.Config, Models.Simulation.DeviceCostModel.Profiles[name.Profile]) : null);
        }).ToList();
        await Generate(worker, samplers, 0, steps); // warm-up
        var throughput = new List<Level>();
        foreach (int concurrency in levels)
            foreach (bool batching in new[] { false, true })
            {
                worker.MaxBatch = batching ? batchOn : 1;
                var before = worker.Snapshot();
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(1, concurrency).Select(i => Task.Run(() => Generate(worker, samplers, i, steps))));
                double seconds = clock.Elapsed.TotalSeconds;
                var after = worker.Snapshot();
                throughput.Add(new Level(concurrency, batching, Math.Round(concurrency / seconds * 60, 1), Math.Round(seconds, 3),
                    Math.Round((after.Steps - before.Steps) / (double)Math.Max(1, after.Batches - before.Batches), 2)));
                progress?.WriteLine($"concurrency {concurrency}, batching {(batching ? "on" : "off")}: {concurrency / seconds * 60:F1} generations/min");
            }
        samplers.ForEach(s => s.Model.Dispose());
        return new Report(name.Label, steps, batchOn, throughput);
    }

    /// <summary>One generation's device stages: stage 1 then stage 2, every step through the worker.</summary>
    static async Task Generate(DeviceWorker worker, IReadOnlyList<FlowSampler> samplers, int seed, int steps)
    {
        var runner = new StageRunner(worker.StepperFor($"tenant-{seed % 3}"));
        foreach (var sampler in samplers)
        {
            using var conditions = SyntheticConditions.For(sampler.Model.Config, seed);
            using var _ = await runner.RunAsync(sampler, conditions, new SamplingOptions(steps, GuidanceScales.Default, seed), StageHooks.None, CancellationToken.None);
        }
    }
}
