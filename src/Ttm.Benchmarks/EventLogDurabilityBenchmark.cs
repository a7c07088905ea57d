using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using StackExchange.Redis;
using Ttm.Grains;
using Ttm.Grains.Storage;
using Ttm.Hosting;

namespace Ttm.Benchmarks;

/// <summary>
/// What it costs to acknowledge an event only once it is durable, on a Redis primary with a replica: one append (XADD,
/// awaited one at a time as a grain does) with the primary's word alone (appendfsync everysec: up to a second lost on a
/// crash, all of it unreplicated on a failover), with appendfsync always (fsync before the answer: survives a restart
/// of the same primary, not its loss), and with WAIT 1 (a replica holds it: survives the primary's loss to Sentinel).
/// Then, given a way to kill the primary: one log appended with WAIT 1 while the primary is SIGKILLed halfway, how long
/// the appends stall until Sentinel's new primary takes them, and whether every acknowledged event is in the log after.
/// </summary>
public static class EventLogDurabilityBenchmark
{
    public sealed record Mode(string Name, string Appendfsync, int WaitReplicas, int Events, double AppendMicrosecondsP50,
        double AppendMicrosecondsP99, double AppendMicrosecondsMax, double AppendsPerSecond);

    /// <param name="StallSeconds">the longest single append: from the kill until the new primary (and a replica) took it</param>
    /// <param name="Lost">acknowledged appends not in the log afterwards</param>
    public sealed record Failover(int Events, double StallSeconds, int Lost, int Logged);

    public sealed record Report(int Replicas, IReadOnlyList<Mode> Modes, Failover? PrimaryKilled);

    /// <param name="redis">the primary, as a connection string (a Sentinel's works too) with a password that allows CONFIG SET</param>
    /// <param name="killPrimary">SIGKILLs the primary (none: no failover round); the round needs two replicas, so one is left for WAIT</param>
    public static async Task<Report> RunAsync(string redis, int events, Func<Task>? killPrimary, CancellationToken cancellationToken)
    {
        await using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(GenerationEvent).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer<GenerationEvent>>();
        var options = new ClusterStoreOptions { Redis = redis }.RedisConnection();
        options.AllowAdmin = true; // CONFIG SET appendfsync
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        var primary = connection.GetServers().First(s => s.IsConnected && !s.IsReplica);
        int replicas = (await primary.RoleAsync() as Role.Master)?.Replicas.Count ?? 0;
        var modes = new List<Mode>();
        foreach (var (name, fsync, wait) in new[] { ("primary only", "everysec", 0), ("fsync always", "always", 0), ("WAIT 1 replica", "everysec", 1) })
        {
            if (wait > replicas) continue;
            await primary.ConfigSetAsync("appendfsync", fsync);
            var log = new RedisGenerationEventLog(connection, serializer, "bench-durability", waitReplicas: wait, waitMilliseconds: 5_000);
            var id = $"gen-{fsync}-{wait}";
            await connection.GetDatabase().KeyDeleteAsync($"ttm:bench-durability:events:{id}");
            var micros = new double[events];
            var total = Stopwatch.StartNew();
            for (int i = 0; i < events; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var e = new GenerationEvent(i + 1, DateTimeOffset.UtcNow, new MotionPreviewed(i % 16 + 1, 16, $"{id}/previews/motion-{i:D5}.png"));
                var clock = Stopwatch.StartNew();
                await log.AppendAsync(id, e);
                micros[i] = clock.Elapsed.TotalMicroseconds;
            }
            double seconds = total.Elapsed.TotalSeconds;
            await log.DeleteAsync(id);
            Array.Sort(micros);
            double Percentile(double p) => Math.Round(micros[Math.Min(micros.Length - 1, (int)(p * micros.Length))], 1);
            modes.Add(new Mode(name, fsync, wait, events, Percentile(0.50), Percentile(0.99), Math.Round(micros[^1], 1), Math.Round(events / seconds, 0)));
        }
        await primary.ConfigSetAsync("appendfsync", "everysec");
        var failover = killPrimary is not null && replicas >= 2 ? await FailoverAsync(connection, serializer, events, killPrimary, cancellationToken) : null;
        return new Report(replicas, modes, failover);
    }

    static async Task<Failover> FailoverAsync(IConnectionMultiplexer connection, Serializer<GenerationEvent> serializer, int events, Func<Task> killPrimary,
        CancellationToken cancellationToken)
    {
        var log = new RedisGenerationEventLog(connection, serializer, "bench-durability", waitReplicas: 1, waitMilliseconds: 1_000);
        const string id = "gen-failover";
        double longest = 0;
        int acknowledged = 0;
        for (int i = 0; i < events; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (i == events / 2) await killPrimary();
            var clock = Stopwatch.StartNew();
            await log.AppendAsync(id, new GenerationEvent(i + 1, DateTimeOffset.UtcNow, new MotionPreviewed(i % 16 + 1, 16, $"{id}/previews/motion-{i:D5}.png")));
            longest = Math.Max(longest, clock.Elapsed.TotalSeconds);
            acknowledged = i + 1;
        }
        var logged = await log.ReadAsync(id, 0, long.MaxValue);
        var seqs = logged.Select(e => e.Seq).ToHashSet();
        int lost = Enumerable.Range(1, acknowledged).Count(s => !seqs.Contains(s));
        await log.DeleteAsync(id);
        return new Failover(events, Math.Round(longest, 2), lost, logged.Count);
    }
}
