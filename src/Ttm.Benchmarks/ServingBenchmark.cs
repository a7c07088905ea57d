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
/// each way); seconds from a stage's start to its first preview; admission (how long a generation whose stage starts
/// while others are mid-stage waits to join the device's passes); the process's peak resident memory.
/// </summary>
public static class ServingBenchmark
{
    public sealed record Level(int Concurrency, bool Batching, double GenerationsPerMinute, double Seconds);

    public sealed record PreviewSeconds(double? Motion, double? Video);

    /// <param name="Busy">generations mid-stage (each past its first motion step) when the probe's stage 1 starts</param>
    /// <param name="FirstStepSecondsP50">the probe's seconds from its stage-1 start (the segmentation event) to the preview of its first
    /// step (a preview after every step): waiting to join a pass, that pass, the preview's PNG and the event</param>
    /// <param name="PassSeconds">the device's mean forward pass meanwhile (every request in it)</param>
    /// <param name="WaitSecondsP50">first step minus one pass: the admission wait itself (the goal: at most one pass + 50 ms)</param>
    public sealed record Admission(int Busy, int Probes, double FirstStepSecondsP50, double PassSeconds, double WaitSecondsP50);

    public sealed record Report(int StepsPerStage, int MaxBatch, int Cores, IReadOnlyList<Level> Throughput, double OverheadRatio,
        double? FirstPreviewSeconds, PreviewSeconds FirstPreviewSecondsByStage, Admission AdmissionLatency, long PeakRssMb);

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
            models.Device.MaxBatch = batchOn;
            var admission = await MeasureAdmission(clients, image, prompt, models.Device, busy: 8, probes: 3, cancellationToken);
            progress?.WriteLine($"admission beside 8 mid-stage: first step {admission.FirstStepSecondsP50} s, pass {admission.PassSeconds} s");
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
                admission, peakRss / (1024 * 1024));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>
    /// <paramref name="busy"/> long generations (from three tenants) are brought mid-stage 1; then, one at a time, probes
    /// (another tenant's short generations, a preview after every step) time their first step. The long ones are cancelled after.
    /// </summary>
    static async Task<Admission> MeasureAdmission(Protos.V1.GenerationService.GenerationServiceClient[] clients, byte[] image, string prompt, DeviceWorker device,
        int busy, int probes, CancellationToken cancellationToken)
    {
        var ids = new string[busy];
        var midStage = Enumerable.Range(0, busy).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var load = Enumerable.Range(0, busy).Select(i => Task.Run(async () =>
        {
            try
            {
                using var call = clients[i % 2].Generate(new Protos.V1.GenerateRequest
                {
                    Image = ByteString.CopyFrom(image), Prompt = prompt, Seed = 500 + i, MotionSteps = Ttm.Grains.GenerationLimits.MaxSteps, VideoSteps = 1, PreviewEvery = -1,
                }, cancellationToken: stop.Token);
                await foreach (var e in call.ResponseStream.ReadAllAsync(stop.Token))
                {
                    ids[i] = e.GenerationId;
                    if (e.Segmentation is not null) _ = Task.Delay(500, stop.Token).ContinueWith(_ => midStage[i].TrySetResult(), TaskScheduler.Default);
                }
            }
            catch (Exception) when (stop.IsCancellationRequested) { }
            midStage[i].TrySetResult();
        })).ToList();
        try
        {
            await Task.WhenAll(midStage.Select(m => m.Task)); // every one past its first steps
            var firstSteps = new List<double>();
            var passes = new List<double>();
            for (int p = 0; p < probes; p++)
            {
                var clock = Stopwatch.StartNew();
                double stageStart = double.NaN, firstStep = double.NaN;
                using var call = clients[2].Generate(new Protos.V1.GenerateRequest
                {
                    Image = ByteString.CopyFrom(image), Prompt = prompt, Seed = 900 + p, MotionSteps = 2, VideoSteps = 1, PreviewEvery = 1,
                }, cancellationToken: cancellationToken);
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    if (e.Segmentation is not null) stageStart = clock.Elapsed.TotalSeconds;
                    if (e.MotionPreview is not null && double.IsNaN(firstStep))
                    {
                        firstStep = clock.Elapsed.TotalSeconds;
                        passes.Add(device.Snapshot().LastStepSeconds);
                    }
                    if (e.Failed is not null) throw new InvalidOperationException($"probe failed: {e.Failed.Message}");
                }
                firstSteps.Add(firstStep - stageStart);
            }
            double pass = Math.Round(passes.Average(), 3), first = Math.Round(BenchmarkJson.Median(firstSteps), 3);
            return new Admission(busy, probes, first, pass, Math.Round(first - pass, 3));
        }
        finally
        {
            stop.Cancel();
            for (int i = 0; i < busy; i++)
                if (ids[i] is { } id)
                    try { await clients[i % 2].CancelAsync(new Protos.V1.CancelRequest { GenerationId = id }, cancellationToken: cancellationToken); }
                    catch (RpcException) { } // already ended
            await Task.WhenAll(load);
        }
    }

    /// <summary>null when no run had one (fewer steps than the preview interval).</summary>
    static double? MeanOrNull(IEnumerable<double> values) =>
        values.Where(double.IsFinite).ToList() is { Count: > 0 } xs ? Math.Round(xs.Average(), 3) : null;
}
