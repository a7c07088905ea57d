using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Ttm.Pipeline;
using Ttm.Pipeline.Devices;

namespace Ttm.Cli.Commands;

/// <summary>
/// <c>./ttm bench serving [--json FILE]</c>: the embedded server (gRPC gateway, grains, one device worker) under
/// 1, 2, 4 and 8 concurrent generations with step batching on and off; the overhead against the in-process
/// pipeline (median of the same three generations run one at a time each way); seconds from a stage's start to its first preview; the process's peak resident memory.
/// </summary>
static class ServingBenchmark
{
    const string Prompt = "The red square moves right while the white square slides down slowly.";

    public static Command Create()
    {
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 16 };
        var maxBatch = new Option<int?>("--max-batch") { Description = "Largest batch when batching is on (default: the device's, DeviceWorker.DefaultMaxBatch)" };
        var levels = new Option<int[]>("--concurrency") { DefaultValueFactory = _ => [1, 2, 4, 8], AllowMultipleArgumentsPerToken = true };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the JSON here" };
        var command = new Command("serving", "Throughput with batching on/off, overhead, time to first preview, peak memory; as JSON") { steps, maxBatch, levels, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            var image = await File.ReadAllBytesAsync(Path.Combine(ModelFiles.Locate("samples"), "two-squares.png"), cancellationToken);
            int stepCount = result.GetValue(steps);
            var output = Directory.CreateTempSubdirectory("ttm-serving-").FullName;
            int port = OverheadBenchmark.FreePort();
            var app = EmbeddedServer.Build(port, new Dictionary<string, string?> { ["Ttm:Artifacts"] = output });
            await app.StartAsync(cancellationToken);
            var device = app.Services.GetRequiredService<PipelineModels>().Device;
            int batchOn = result.GetValue(maxBatch) ?? DeviceWorker.DefaultMaxBatch(device.Name);
            var client = RemoteCommands.Client($"http://127.0.0.1:{port}");

            async Task<Timing> Generate(long seed)
            {
                var clock = Stopwatch.StartNew();
                double motionStart = double.NaN, motionPreview = double.NaN, videoStart = double.NaN, videoPreview = double.NaN;
                using var call = client.Generate(new Protos.V1.GenerateRequest
                {
                    Image = ByteString.CopyFrom(image), Prompt = Prompt, Seed = seed, MotionSteps = stepCount, VideoSteps = stepCount,
                }, new Metadata { { "x-tenant", $"tenant-{seed % 3}" } }, cancellationToken: cancellationToken);
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    double now = clock.Elapsed.TotalSeconds;
                    if (e.Segmentation is not null) motionStart = now;
                    if (e.MotionPreview is not null && double.IsNaN(motionPreview)) motionPreview = now;
                    if (e.MotionDone is not null) videoStart = now;
                    if (e.VideoPreview is not null && double.IsNaN(videoPreview)) videoPreview = now;
                    if (e.Failed is not null) throw new InvalidOperationException($"generation failed: {e.Failed.Message}");
                }
                return new Timing(clock.Elapsed.TotalSeconds, motionPreview - motionStart, videoPreview - videoStart);
            }

            // Warm-up, one alone and two together: first-call costs (JIT, first batched passes) are not throughput.
            await Generate(0);
            await Task.WhenAll(Generate(1), Generate(2));
            var throughput = new List<object>();
            foreach (int concurrency in result.GetValue(levels)!)
                foreach (bool batching in new[] { false, true })
                {
                    device.MaxBatch = batching ? batchOn : 1;
                    var clock = Stopwatch.StartNew();
                    var timings = await Task.WhenAll(Enumerable.Range(1, concurrency).Select(i => Generate(i)));
                    double seconds = clock.Elapsed.TotalSeconds;
                    throughput.Add(new { concurrency, batching, generations_per_minute = Math.Round(concurrency / seconds * 60, 2), seconds = Math.Round(seconds, 2) });
                    Console.Error.WriteLine($"concurrency {concurrency}, batching {(batching ? "on" : "off")}: {concurrency / seconds * 60:F1} generations/min");
                }
            long peakRss = Process.GetCurrentProcess().PeakWorkingSet64;

            // Overhead and first previews: the same three generations one at a time, through gRPC and in-process.
            var alone = new List<Timing>();
            foreach (var seed in new long[] { 1, 2, 3 }) alone.Add(await Generate(seed));
            await app.StopAsync(cancellationToken);

            // The same generation in-process, on the same models' worker, for the overhead ratio.
            var inProcess = new TtmPipeline(app.Services.GetRequiredService<PipelineModels>());
            var local = new List<double>();
            foreach (var seed in new long[] { 1, 2, 3 })
            {
                var clock = Stopwatch.StartNew();
                await foreach (var _ in inProcess.RunAsync(new PipelineRequest
                {
                    Image = image, Prompt = Prompt, Seed = seed, MotionSteps = stepCount, VideoSteps = stepCount, OutputDirectory = output,
                }, cancellationToken)) { }
                local.Add(clock.Elapsed.TotalSeconds);
            }
            Directory.Delete(output, recursive: true);

            var report = JsonSerializer.Serialize(new
            {
                steps_per_stage = stepCount,
                max_batch = batchOn,
                cores = Environment.ProcessorCount,
                throughput,
                overhead_ratio = Math.Round(Median(alone.Select(t => t.Seconds)) / Median(local), 3),
                first_preview_seconds = MeanOrNull(alone.SelectMany(t => new[] { t.MotionPreview, t.VideoPreview })),
                first_preview_seconds_by_stage = new
                {
                    motion = MeanOrNull(alone.Select(t => t.MotionPreview)),
                    video = MeanOrNull(alone.Select(t => t.VideoPreview)),
                },
                peak_rss_mb = peakRss / (1024 * 1024),
            }, new JsonSerializerOptions { WriteIndented = true });
            Console.WriteLine(report);
            if (result.GetValue(json) is { } file) await File.WriteAllTextAsync(file.FullName, report, cancellationToken);
        });
        return command;
    }

    static double Median(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);

    /// <summary>null when no run had one (fewer steps than the preview interval).</summary>
    static double? MeanOrNull(IEnumerable<double> values) =>
        values.Where(double.IsFinite).ToList() is { Count: > 0 } xs ? Math.Round(xs.Average(), 3) : null;

    sealed record Timing(double Seconds, double MotionPreview, double VideoPreview);
}
