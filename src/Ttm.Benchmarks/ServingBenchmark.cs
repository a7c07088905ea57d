using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Ttm.Pipeline;
using Ttm.Pipeline.Devices;

namespace Ttm.Benchmarks;

/// <summary>
/// The embedded server (gRPC gateway, grains, one device worker) under concurrent generations with step batching on
/// and off; the overhead against the in-process pipeline (median of the same three generations run one at a time
/// each way); seconds from a stage's start to its first preview; the process's peak resident memory.
/// </summary>
public static class ServingBenchmark
{
    public sealed record Level(int Concurrency, bool Batching, double GenerationsPerMinute, double Seconds);

    public sealed record PreviewSeconds(double? Motion, double? Video);

    public sealed record Report(int StepsPerStage, int MaxBatch, int Cores, IReadOnlyList<Level> Throughput, double OverheadRatio,
        double? FirstPreviewSeconds, PreviewSeconds FirstPreviewSecondsByStage, long PeakRssMb);

    sealed record Timing(double Seconds, double MotionPreview, double VideoPreview);

    public static async Task<Report> RunAsync(ServerFactory server, byte[] image, string prompt, int steps, int? maxBatch, IReadOnlyList<int> levels,
        TextWriter? progress, CancellationToken cancellationToken)
    {
        var output = Directory.CreateTempSubdirectory("ttm-serving-").FullName;
        try
        {
            int port = Loopback.FreePort();
            await using var app = server(port, Loopback.Settings(output));
            await app.StartAsync(cancellationToken);
            var models = app.Services.GetRequiredService<PipelineModels>();
            int batchOn = maxBatch ?? DeviceWorker.DefaultMaxBatch(models.Device.Name);
            var clients = new[] { await Loopback.ClientAsync(app, port, "tenant-0"), await Loopback.ClientAsync(app, port, "tenant-1"), await Loopback.ClientAsync(app, port, "tenant-2") };

            async Task<Timing> Generate(long seed)
            {
                var clock = Stopwatch.StartNew();
                double motionStart = double.NaN, motionPreview = double.NaN, videoStart = double.NaN, videoPreview = double.NaN;
                using var call = clients[seed % 3].Generate(new Protos.V1.GenerateRequest
                {
                    Image = ByteString.CopyFrom(image), Prompt = prompt, Seed = seed, MotionSteps = steps, VideoSteps = steps,
                }, cancellationToken: cancellationToken);
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
            var throughput = new List<Level>();
            foreach (int concurrency in levels)
                foreach (bool batching in new[] { false, true })
                {
                    models.Device.MaxBatch = batching ? batchOn : 1;
                    var clock = Stopwatch.StartNew();
                    await Task.WhenAll(Enumerable.Range(1, concurrency).Select(i => Generate(i)));
                    double seconds = clock.Elapsed.TotalSeconds;
                    throughput.Add(new Level(concurrency, batching, Math.Round(concurrency / seconds * 60, 2), Math.Round(seconds, 2)));
                    progress?.WriteLine($"concurrency {concurrency}, batching {(batching ? "on" : "off")}: {concurrency / seconds * 60:F1} generations/min");
                }
            long peakRss = Process.GetCurrentProcess().PeakWorkingSet64;

            // Overhead and first previews: the same three generations one at a time, through gRPC and in-process.
            var alone = new List<Timing>();
            foreach (var seed in new long[] { 1, 2, 3 }) alone.Add(await Generate(seed));
            await app.StopAsync(cancellationToken);

            // The same generations in-process, on the same models' worker, for the overhead ratio.
            var inProcess = new TtmPipeline(models);
            var local = new List<double>();
            foreach (var seed in new long[] { 1, 2, 3 })
            {
                var clock = Stopwatch.StartNew();
                await foreach (var _ in inProcess.RunAsync(new PipelineRequest
                {
                    Image = image, Prompt = prompt, Seed = seed, MotionSteps = steps, VideoSteps = steps, OutputDirectory = output,
                }, cancellationToken)) { }
                local.Add(clock.Elapsed.TotalSeconds);
            }
            return new Report(steps, batchOn, Environment.ProcessorCount, throughput,
                Math.Round(BenchmarkJson.Median(alone.Select(t => t.Seconds)) / BenchmarkJson.Median(local), 3),
                MeanOrNull(alone.SelectMany(t => new[] { t.MotionPreview, t.VideoPreview })),
                new PreviewSeconds(MeanOrNull(alone.Select(t => t.MotionPreview)), MeanOrNull(alone.Select(t => t.VideoPreview))),
                peakRss / (1024 * 1024));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>null when no run had one (fewer steps than the preview interval).</summary>
    static double? MeanOrNull(IEnumerable<double> values) =>
        values.Where(double.IsFinite).ToList() is { Count: > 0 } xs ? Math.Round(xs.Average(), 3) : null;
}
