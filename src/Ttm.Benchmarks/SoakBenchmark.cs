using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;

namespace Ttm.Benchmarks;

/// <summary>
/// A bounded soak of the embedded server on loopback: <c>streams</c> generations, <c>concurrency</c> at a time, each
/// streamed to its end and then deleted. Resident memory, open file descriptors and the artifact store's bytes are
/// sampled after the warm-up and after every tenth of the run: a leak shows as growth between the first sample and
/// the last (the goal: RSS flat within 10 %, the store back to its baseline).
/// </summary>
public static class SoakBenchmark
{
    public sealed record Sample(int Completed, double ResidentMegabytes, int OpenFiles, long StoreBytes);

    public sealed record Report(int Streams, int Concurrency, int StepsPerStage, int Completed, int Failed, double Seconds,
        IReadOnlyList<Sample> Samples, double ResidentGrowthPercent, long StoreBytesLeft);

    public static async Task<Report> RunAsync(ServerFactory server, byte[] image, string prompt, int streams, int concurrency, int steps,
        TextWriter? progress, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("ttm-soak-").FullName;
        try
        {
            int port = Loopback.FreePort();
            var settings = Loopback.Settings(folder);
            settings["Ttm:Tenants:Overrides:soak:RequestsPerMinute"] = "0";
            settings["Ttm:Tenants:Overrides:soak:MaxConcurrent"] = "0";
            await using var app = server(port, settings);
            await app.StartAsync(cancellationToken);
            var client = await Loopback.ClientAsync(app, port, "soak");
            string store = settings["Ttm:Artifacts"]!;

            async Task<bool> Generate(long seed)
            {
                string? id = null;
                using (var call = client.Generate(new Protos.V1.GenerateRequest
                {
                    Image = ByteString.CopyFrom(image), Prompt = prompt, Seed = seed, MotionSteps = steps, VideoSteps = steps, PreviewSize = 64,
                }, cancellationToken: cancellationToken))
                {
                    bool completed = false;
                    await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
                    {
                        id ??= e.GenerationId;
                        completed |= e.Completed is not null;
                    }
                    if (!completed) return false;
                }
                await client.DeleteAsync(new Protos.V1.DeleteRequest { GenerationId = id }, cancellationToken: cancellationToken);
                return true;
            }

            Sample Measure(int completed)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                long bytes = Directory.Exists(store) ? Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
                return new Sample(completed, BenchmarkJson.ResidentMegabytes(), Directory.GetFiles("/proc/self/fd").Length, bytes);
            }

            for (int i = 0; i < concurrency; i++) await Generate(-1 - i); // warm-up: models loaded, pools filled
            var samples = new List<Sample> { Measure(0) };
            progress?.WriteLine($"after warm-up: {samples[0]}");
            int completed = 0, failed = 0, next = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) is var n && n <= streams)
                {
                    bool ok;
                    try
                    {
                        ok = await Generate(n);
                    }
                    catch (RpcException)
                    {
                        ok = false;
                    }
                    int done = ok ? Interlocked.Increment(ref completed) : completed;
                    if (!ok) Interlocked.Increment(ref failed);
                    if (ok && done % Math.Max(1, streams / 10) == 0)
                    {
                        var sample = Measure(done);
                        lock (samples) samples.Add(sample);
                        progress?.WriteLine($"{done}/{streams}: {sample}");
                    }
                }
            }));
            double seconds = clock.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // deletes settle
            var last = Measure(completed);
            samples.Add(last);
            await app.StopAsync(cancellationToken);
            double growth = Math.Round(100 * (last.ResidentMegabytes - samples[0].ResidentMegabytes) / samples[0].ResidentMegabytes, 1);
            return new Report(streams, concurrency, steps, completed, failed, Math.Round(seconds, 1), samples, growth, last.StoreBytes - samples[0].StoreBytes);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
