using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using Ttm.Models;
using Ttm.Models.Sampling;
using Ttm.Pipeline.Devices;
using Ttm.Training.Benchmark;

namespace Ttm.Cli.Commands;

/// <summary>
/// <c>./ttm bench worker [--device cuda] [--json FILE]</c>: the device worker alone, without segmentation, text
/// encoding or video encoding: k concurrent generations each denoise stage 1 then stage 2 through one
/// <see cref="DeviceWorker"/>, batching off (max batch 1) and on. Random weights of a named size. The share of
/// a generation that batching can speed up, on any device; <c>bench serving</c> measures the whole server.
/// </summary>
public static class WorkerBenchmark
{
    public static Command Create()
    {
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var size = new Option<string>("--size") { DefaultValueFactory = _ => "tiny" };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 16 };
        var maxBatch = new Option<int?>("--max-batch") { Description = "Largest batch when batching is on (default: the device's, DeviceWorker.DefaultMaxBatch)" };
        var levels = new Option<int[]>("--concurrency") { DefaultValueFactory = _ => [1, 2, 4, 8], AllowMultipleArgumentsPerToken = true };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the JSON here" };
        var command = new Command("worker", "Device-stage throughput through the device worker with batching off/on; as JSON") { device, size, steps, maxBatch, levels, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            var report = await Run(TorchDevices.Parse(result.GetValue(device)!), result.GetValue(size)!, result.GetValue(steps),
                result.GetValue(maxBatch), result.GetValue(levels)!);
            Console.WriteLine(report);
            if (result.GetValue(json) is { } file) await File.WriteAllTextAsync(file.FullName, report, cancellationToken);
        });
        return command;
    }

    public static async Task<string> Run(TorchSharp.torch.Device device, string size, int steps, int? maxBatch, IReadOnlyList<int> levels)
    {
        using var worker = new DeviceWorker(device.ToString(), maxBatch); // first: it decides which threads compute with how many cores
        int batchOn = worker.MaxBatch;
        var samplers = new[] { ModelStage.Motion, ModelStage.Video }.Select(stage =>
        {
            var model = new VideoDit(TtmConfig.Named(size) with { Stage = stage, Variant = TtmVariant.Ttm });
            model.to(device);
            model.eval();
            return new FlowSampler(model);
        }).ToList();
        await Generate(worker, samplers, 0, steps); // warm-up
        var throughput = new List<object>();
        foreach (int concurrency in levels)
            foreach (bool batching in new[] { false, true })
            {
                worker.MaxBatch = batching ? batchOn : 1;
                var before = worker.Snapshot();
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(1, concurrency).Select(i => Task.Run(() => Generate(worker, samplers, i, steps))));
                double seconds = clock.Elapsed.TotalSeconds;
                var after = worker.Snapshot();
                throughput.Add(new
                {
                    concurrency, batching, generations_per_minute = Math.Round(concurrency / seconds * 60, 1), seconds = Math.Round(seconds, 3),
                    mean_batch = Math.Round((after.Steps - before.Steps) / (double)Math.Max(1, after.Batches - before.Batches), 2),
                });
                Console.Error.WriteLine($"concurrency {concurrency}, batching {(batching ? "on" : "off")}: {concurrency / seconds * 60:F1} generations/min");
            }
        samplers.ForEach(s => s.Model.Dispose());
        return JsonSerializer.Serialize(new { device = device.ToString(), steps_per_stage = steps, max_batch = batchOn, throughput },
            new JsonSerializerOptions { WriteIndented = true });
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
