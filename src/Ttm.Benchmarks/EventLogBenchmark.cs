using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using StackExchange.Redis;
using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Grains.Storage;

namespace Ttm.Benchmarks;

/// <summary>
/// The cluster's event log on a real Redis: the cost of one append (one XADD of an event in Orleans' serialization,
/// awaited one at a time as a grain does) over a log of many events, the replay of that whole log, and Redis' memory
/// per event and per generation (the 12 events of a 16-step generation with a preview every 4 steps).
/// </summary>
public static class EventLogBenchmark
{
    public sealed record Report(int Events, double AppendMicrosecondsP50, double AppendMicrosecondsP99, double AppendMicrosecondsMax,
        double ReplayMilliseconds, double RedisBytesPerEvent, int EventsPerGeneration, double RedisBytesPerGeneration);

    public static async Task<Report> RunAsync(string redis, int events, CancellationToken cancellationToken)
    {
        await using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(GenerationEvent).Assembly)).BuildServiceProvider();
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true"); // INFO memory
        var log = new RedisGenerationEventLog(connection, services.GetRequiredService<Serializer<GenerationEvent>>(), "bench");
        var server = connection.GetServer(connection.GetEndPoints()[0]);

        // 1. One log of many events, appended one at a time.
        long before = await UsedMemory(server);
        var micros = new double[events];
        for (int i = 0; i < events; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var e = new GenerationEvent(i + 1, DateTimeOffset.UtcNow, new MotionPreviewed(i % 16 + 1, 16, $"gen-bench/previews/motion-{i:D5}.png"));
            var clock = Stopwatch.StartNew();
            await log.AppendAsync("gen-bench", e);
            micros[i] = clock.Elapsed.TotalMicroseconds;
        }
        long afterLog = await UsedMemory(server);
        var replayClock = Stopwatch.StartNew();
        var replayed = await log.ReadAsync("gen-bench", 0, events);
        double replayMs = replayClock.Elapsed.TotalMilliseconds;
        if (replayed.Count != events) throw new InvalidOperationException($"Replayed {replayed.Count} of {events} events.");

        // 2. A hundred generations' logs as the server writes them.
        const int generations = 100;
        var one = Generation("gen-x");
        for (int g = 0; g < generations; g++)
        {
            var id = $"gen-bench-{g:D3}";
            foreach (var (e, i) in Generation(id).Select((e, i) => (e, i))) await log.AppendAsync(id, e with { Seq = i + 1 });
        }
        long afterGenerations = await UsedMemory(server);

        Array.Sort(micros);
        double Percentile(double p) => Math.Round(micros[Math.Min(micros.Length - 1, (int)(p * micros.Length))], 1);
        return new Report(events, Percentile(0.50), Percentile(0.99), Math.Round(micros[^1], 1), Math.Round(replayMs, 1),
            Math.Round((afterLog - before) / (double)events, 1), one.Count, Math.Round((afterGenerations - afterLog) / (double)generations, 0));
    }

    /// <summary>How many appends a second one Redis takes from many grains at once: <paramref name="writers"/> logs, each
    /// appended one event at a time (as a grain awaits its appends), for <paramref name="seconds"/>; the client runs on the
    /// same machine, so on a small one this is a lower bound.</summary>
    public sealed record Throughput(int Writers, double Seconds, long Appends, double AppendsPerSecond);

    public static async Task<Throughput> ThroughputAsync(string redis, int writers, double seconds, CancellationToken cancellationToken)
    {
        await using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(GenerationEvent).Assembly)).BuildServiceProvider();
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var log = new RedisGenerationEventLog(connection, services.GetRequiredService<Serializer<GenerationEvent>>(), "bench-throughput");
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(TimeSpan.FromSeconds(seconds));
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            long seq = 0;
            while (!window.IsCancellationRequested)
                await log.AppendAsync($"gen-throughput-{w:D4}", new GenerationEvent(++seq, DateTimeOffset.UtcNow,
                    new MotionPreviewed((int)(seq % 16) + 1, 16, $"gen-throughput-{w:D4}/previews/motion-{seq:D5}.png")));
            return seq;
        }));
        double elapsed = clock.Elapsed.TotalSeconds;
        cancellationToken.ThrowIfCancellationRequested();
        return new Throughput(writers, Math.Round(elapsed, 2), counts.Sum(), Math.Round(counts.Sum() / elapsed, 0));
    }

    /// <summary>The events of one 16-step generation with a preview every 4 steps, as the grains log them.</summary>
    static List<GenerationEvent> Generation(string id)
    {
        var plan = new PromptPlan("The red square moves right while the white square slides down slowly.",
            "The red square moves right, and the white square moves down slowly.",
            [new ObjectPrompt("red square", "The red square moves right.", "red", "square", "right"),
             new ObjectPrompt("white square", "The white square moves down slowly.", "white", "square", "down")], "rules");
        var now = DateTimeOffset.UtcNow;
        GenerationUpdate[] updates =
        [
            new GenerationAccepted(0), new GenerationPlanned(plan),
            new ObjectsSegmented($"{id}/segmentation.png", [new SegmentedObject("red square", "colour", "seeded on red pixels", 484), new SegmentedObject("white square", "colour", "seeded on white pixels", 870)]),
            new MotionPreviewed(4, 16, $"{id}/previews/motion-004.png"), new MotionPreviewed(8, 16, $"{id}/previews/motion-008.png"),
            new MotionPreviewed(12, 16, $"{id}/previews/motion-012.png"), new TrajectoryFinished($"{id}/trajectory.png"),
            new VideoPreviewed(4, 16, $"{id}/previews/video-004.png"), new VideoPreviewed(8, 16, $"{id}/previews/video-008.png"),
            new VideoPreviewed(12, 16, $"{id}/previews/video-012.png"), new VideoChunkStored(0, $"{id}/chunks/0000.mp4", true),
            new GenerationCompleted(new Dictionary<string, string> { ["mp4"] = $"{id}/outputs/video.mp4", ["trajectory"] = $"{id}/outputs/trajectory.mp4",
                ["overlay"] = $"{id}/outputs/overlay.mp4", ["summary"] = $"{id}/outputs/summary.json" },
                new Dictionary<GenerationStage, double> { [GenerationStage.Plan] = 0.01, [GenerationStage.Segment] = 0.6, [GenerationStage.Motion] = 1.1,
                    [GenerationStage.Video] = 1.4, [GenerationStage.Encode] = 0.3 }, "device stages ran on S127.0.0.1:11111:1 (cpu:0)"),
        ];
        return updates.Select((u, i) => new GenerationEvent(i + 1, now, u)).ToList();
    }

    static async Task<long> UsedMemory(IServer server)
    {
        var info = await server.InfoAsync("memory");
        return long.Parse(info.SelectMany(g => g).First(kv => kv.Key == "used_memory").Value);
    }
}
