using System.Diagnostics;
using System.Diagnostics.Metrics;
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
    /// <param name="WaitSecondsP50">the probe's first step, from its request to the device worker to the start of the forward pass that
    /// computes it (the device's own clock: <c>ttm.device.queue.wait</c> of the probe's tenant): the admission wait</param>
    /// <param name="PassSecondsMean">the device's forward passes meanwhile (while the probes waited and ran)</param>
    /// <param name="WithinOnePass">every probe's wait at most the longest pass meanwhile + 50 ms (the goal: a request joins at the next pass)</param>
    /// <param name="FirstPreviewSecondsP50">the probe's seconds from its segmentation event to its first step's preview at the client: the
    /// wait, its pass, the preview's PNG and the event through the grain and gRPC</param>
    public sealed record Admission(int Busy, int Probes, double WaitSecondsP50, double WaitSecondsMax, double PassSecondsMean, double PassSecondsMax,
        bool WithinOnePass, double FirstPreviewSecondsP50);

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
            var admission = await MeasureAdmission(clients, image, prompt, busy: 8, probes: 3, cancellationToken);
            progress?.WriteLine($"admission beside 8 mid-stage: wait {admission.WaitSecondsP50} s (max {admission.WaitSecondsMax}), pass {admission.PassSecondsMean} s (max {admission.PassSecondsMax})");
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
    /// <paramref name="busy"/> long generations (from two tenants) are brought mid-stage 1; then, one at a time, probes
    /// (a third tenant's short generations, a preview after every step) time their first step, on the device worker's own
    /// clock (a listener on its queue-wait and pass instruments) and at the client. The long ones are cancelled after.
    /// </summary>
    static async Task<Admission> MeasureAdmission(Protos.V1.GenerationService.GenerationServiceClient[] clients, byte[] image, string prompt,
        int busy, int probes, CancellationToken cancellationToken)
    {
        const string probeTenant = "tenant-2"; // clients[2]
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

        // The device's clock: the probe tenant's step waits (its only steps are the probes') and every pass's duration.
        var gate = new object();
        var waits = new List<double>();
        var passes = new List<double>();
        bool probing = false, firstStepPending = false;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DeviceMetrics.MeterName && instrument.Name is "ttm.device.queue.wait" or "ttm.device.step.duration")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            lock (gate)
            {
                if (!probing) return;
                if (instrument.Name == "ttm.device.step.duration") passes.Add(value);
                else if (firstStepPending && Tag(tags, "tenant") == probeTenant && Tag(tags, "work") == "step")
                {
                    waits.Add(value);
                    firstStepPending = false;
                }
            }
        });
        listener.Start();
        try
        {
            await Task.WhenAll(midStage.Select(m => m.Task)); // every one past its first steps
            var firstPreviews = new List<double>();
            for (int p = 0; p < probes; p++)
            {
                var clock = Stopwatch.StartNew();
                double stageStart = double.NaN, firstPreview = double.NaN;
                lock (gate) { probing = true; firstStepPending = true; }
                using var call = clients[2].Generate(new Protos.V1.GenerateRequest
                {
                    Image = ByteString.CopyFrom(image), Prompt = prompt, Seed = 900 + p, MotionSteps = 2, VideoSteps = 1, PreviewEvery = 1,
                }, cancellationToken: cancellationToken);
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    if (e.Segmentation is not null) stageStart = clock.Elapsed.TotalSeconds;
                    if (e.MotionPreview is not null && double.IsNaN(firstPreview))
                    {
                        firstPreview = clock.Elapsed.TotalSeconds;
                        lock (gate) probing = false;
                    }
                    if (e.Failed is not null) throw new InvalidOperationException($"probe failed: {e.Failed.Message}");
                }
                firstPreviews.Add(firstPreview - stageStart);
            }
            lock (gate)
            {
                if (waits.Count != probes) throw new InvalidOperationException($"{waits.Count} probe steps were seen on the device for {probes} probes.");
                double passMax = Math.Round(passes.Max(), 3);
                return new Admission(busy, probes, Math.Round(BenchmarkJson.Median(waits), 3), Math.Round(waits.Max(), 3), Math.Round(passes.Average(), 3), passMax,
                    waits.All(w => w <= passMax + 0.05), Math.Round(BenchmarkJson.Median(firstPreviews), 3));
            }
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

    static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
            if (tag.Key == key) return tag.Value as string;
        return null;
    }

    /// <summary>null when no run had one (fewer steps than the preview interval).</summary>
    static double? MeanOrNull(IEnumerable<double> values) =>
        values.Where(double.IsFinite).ToList() is { Count: > 0 } xs ? Math.Round(xs.Average(), 3) : null;
}
