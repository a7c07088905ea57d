using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;

namespace Ttm.Benchmarks;

/// <summary>
/// Fairness between tenants on the embedded server: a light tenant's generations, one at a time, alone and then while a
/// heavy tenant keeps <c>flood</c> generations in flight; the light tenant's completion seconds p50/p95 each way, per stage,
/// and their ratio. The device worker leads each pass with the tenant of least device time (<c>DeviceShares</c>, keyed on
/// the authenticated tenant), so the flood's size should not matter: a tenant that asks for more than half the device
/// gets half; one that asks for less leads after each pause, up to its catch-up credit.
/// </summary>
public static class TenantFairnessBenchmark
{
    /// <param name="StageSecondsP50">p50 of each stage's seconds (plan, segment, motion, video, encode) as the server timed them:
    /// where the extra time under a flood goes</param>
    /// <param name="Seconds">each generation's completion seconds, in order (with few generations the p95 is the worst of them)</param>
    public sealed record Side(int Generations, double SecondsP50, double SecondsP95, IReadOnlyDictionary<string, double> StageSecondsP50,
        IReadOnlyList<double> Seconds);

    /// <param name="LightPauseSeconds">how long the light tenant waits between its generations</param>
    /// <param name="LightDeviceShareAlone">the share of the light tenant's time (pauses included) its device stages (segment,
    /// motion, video) took alone: above one half, no tenant-fair device can keep it as fast beside a flood, which gets the other half</param>
    public sealed record Report(int StepsPerStage, int Flood, double LightPauseSeconds, Side Alone, Side WithFlood, double LightDeviceShareAlone, int HeavyCompleted,
        double P95Ratio);

    public static async Task<Report> RunAsync(ServerFactory server, byte[] image, string prompt, int steps, int light, int flood, TimeSpan pause,
        TextWriter? progress, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("ttm-fairness-").FullName;
        try
        {
            int port = Loopback.FreePort();
            var settings = Loopback.Settings(folder);
            foreach (var tenant in new[] { "light", "heavy" })
            {
                settings[$"Ttm:Tenants:Overrides:{tenant}:RequestsPerMinute"] = "0";
                settings[$"Ttm:Tenants:Overrides:{tenant}:MaxConcurrent"] = "0";
            }
            await using var app = server(port, settings);
            await app.StartAsync(cancellationToken);
            var lightClient = await Loopback.ClientAsync(app, port, "light");
            var heavyClient = await Loopback.ClientAsync(app, port, "heavy");

            async Task<(double Seconds, IReadOnlyDictionary<string, double> Stages)> Generate(Protos.V1.GenerationService.GenerationServiceClient client, long seed,
                CancellationToken token)
            {
                var clock = Stopwatch.StartNew();
                using var call = client.Generate(new Protos.V1.GenerateRequest
                {
                    Image = ByteString.CopyFrom(image), Prompt = prompt, Seed = seed, MotionSteps = steps, VideoSteps = steps, PreviewEvery = -1,
                }, cancellationToken: token);
                IReadOnlyDictionary<string, double> stages = new Dictionary<string, double>();
                await foreach (var e in call.ResponseStream.ReadAllAsync(token))
                {
                    if (e.Failed is not null) throw new InvalidOperationException($"generation failed: {e.Failed.Message}");
                    if (e.Completed is not null) stages = e.Completed.Seconds;
                }
                return (clock.Elapsed.TotalSeconds, stages);
            }

            static double P(IEnumerable<double> values, double q)
            {
                var sorted = values.Order().ToList();
                return Math.Round(sorted[Math.Min(sorted.Count - 1, Math.Max(0, (int)Math.Ceiling(q * sorted.Count) - 1))], 2);
            }

            async Task<Side> Light()
            {
                var runs = new List<(double Seconds, IReadOnlyDictionary<string, double> Stages)>();
                for (int i = 0; i < light; i++)
                {
                    if (i > 0) await Task.Delay(pause, cancellationToken);
                    var run = await Generate(lightClient, i, cancellationToken);
                    progress?.WriteLine($"  light {i}: {run.Seconds:F2} s ({string.Join(", ", run.Stages.Select(kv => $"{kv.Key} {kv.Value:F2}"))})");
                    runs.Add(run);
                }
                var stages = runs.SelectMany(r => r.Stages.Keys).Distinct().ToDictionary(k => k, k => P(runs.Select(r => r.Stages.GetValueOrDefault(k)), 0.5));
                return new Side(light, P(runs.Select(r => r.Seconds), 0.5), P(runs.Select(r => r.Seconds), 0.95), stages,
                    runs.Select(r => Math.Round(r.Seconds, 2)).ToList());
            }

            await Generate(lightClient, 99, cancellationToken); // warm-up: first-call costs are not waiting
            var alone = await Light();
            progress?.WriteLine($"light alone: p50 {alone.SecondsP50} s, p95 {alone.SecondsP95} s");

            using var stopFlood = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            int heavyDone = 0;
            var heavy = Enumerable.Range(0, flood).Select(async n =>
            {
                for (long seed = n * 1000; !stopFlood.IsCancellationRequested; seed++)
                {
                    try
                    {
                        await Generate(heavyClient, seed, stopFlood.Token);
                        Interlocked.Increment(ref heavyDone);
                    }
                    catch (Exception) when (stopFlood.IsCancellationRequested) { }
                }
            }).ToList();
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // the flood is in the device queue
            var withFlood = await Light();
            progress?.WriteLine($"light with a flood of {flood}: p50 {withFlood.SecondsP50} s, p95 {withFlood.SecondsP95} s");
            stopFlood.Cancel();
            await Task.WhenAll(heavy);
            await app.StopAsync(cancellationToken);
            double device = new[] { "segment", "motion", "video" }.Sum(alone.StageSecondsP50.GetValueOrDefault);
            return new Report(steps, flood, pause.TotalSeconds, alone, withFlood, Math.Round(device / (alone.SecondsP50 + pause.TotalSeconds), 2), heavyDone,
                Math.Round(withFlood.SecondsP95 / alone.SecondsP95, 2));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
