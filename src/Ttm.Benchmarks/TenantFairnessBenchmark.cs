using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;

namespace Ttm.Benchmarks;

/// <summary>
/// Fairness between tenants on the embedded server: a light tenant's generations, one at a time, alone and then while a
/// heavy tenant keeps <c>flood</c> generations in flight; the light tenant's completion seconds p50/p95 each way and their
/// ratio. The device worker serves tenants round-robin, keyed on the authenticated tenant, so the flood's size should not
/// matter, only that the device is shared with one more tenant.
/// </summary>
public static class TenantFairnessBenchmark
{
    public sealed record Side(int Generations, double SecondsP50, double SecondsP95);

    public sealed record Report(int StepsPerStage, int Flood, Side Alone, Side WithFlood, int HeavyCompleted, double P95Ratio);

    public static async Task<Report> RunAsync(ServerFactory server, byte[] image, string prompt, int steps, int light, int flood, TextWriter? progress,
        CancellationToken cancellationToken)
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

            async Task<double> Generate(Protos.V1.GenerationService.GenerationServiceClient client, long seed, CancellationToken token)
            {
                var clock = Stopwatch.StartNew();
                using var call = client.Generate(new Protos.V1.GenerateRequest
                {
                    Image = ByteString.CopyFrom(image), Prompt = prompt, Seed = seed, MotionSteps = steps, VideoSteps = steps, PreviewEvery = -1,
                }, cancellationToken: token);
                await foreach (var e in call.ResponseStream.ReadAllAsync(token))
                    if (e.Failed is not null) throw new InvalidOperationException($"generation failed: {e.Failed.Message}");
                return clock.Elapsed.TotalSeconds;
            }

            async Task<Side> Light()
            {
                var seconds = new List<double>();
                for (int i = 0; i < light; i++) seconds.Add(await Generate(lightClient, i, cancellationToken));
                seconds.Sort();
                return new Side(light, Math.Round(seconds[seconds.Count / 2], 2), Math.Round(seconds[Math.Min(seconds.Count - 1, (int)Math.Ceiling(0.95 * seconds.Count) - 1)], 2));
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
            return new Report(steps, flood, alone, withFlood, heavyDone, Math.Round(withFlood.SecondsP95 / alone.SecondsP95, 2));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
