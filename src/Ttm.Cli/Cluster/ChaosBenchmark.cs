using System.Diagnostics;
using System.Text.Json;
using Ttm.Hosting;

namespace Ttm.Cli.Cluster;

/// <summary>
/// <c>./ttm bench chaos</c>: each fault on a cluster of real processes started for it alone (Redis, one plain and two
/// accelerator silos, a gateway), while generations from two tenants run: the Redis primary SIGKILLed (a primary, two
/// replicas, three Sentinels); an accelerator, then the silo holding most generation grains, cut off from everything
/// (network namespaces) until membership declares it dead, then healed; a grain holder cut off from Redis only; the
/// gateway cut off from the silos; the artifact store's volume full. For each: generations started, completed, failed
/// with a code, lost (no end within the scenario's time), and what the history checker finds in the logs (duplicates,
/// gaps, lost acknowledged events, writes from a fenced side), with the seconds until every generation running at the
/// fault had its next event. The partitions and the full disk need root.
/// </summary>
public static class ChaosBenchmark
{
    /// <param name="Fault">what was done, and to which host</param>
    /// <param name="DetectedAfterSeconds">from the fault until the cluster acted on it: Sentinel named a new primary, membership declared the silo dead</param>
    /// <param name="HealedAfterSeconds">from the fault until the cut was undone or the space freed</param>
    /// <param name="RecoveredAfterSeconds">from the fault until every generation running then had an event after it (or ended)</param>
    /// <param name="RefusedStaleAppends">appends the event log refused from an activation that had been replaced (the fenced side trying)</param>
    /// <param name="FailureMessages">for each failure code, the message of one generation that failed with it</param>
    public sealed record Scenario(string Name, string Fault, int Started, int Completed, int FailedCleanly, int Lost, int DuplicatedEvents, int Gaps,
        int LostAcknowledgedEvents, int FencedWrites, int RefusedStaleAppends, int RunningAtFault, double? DetectedAfterSeconds, double? HealedAfterSeconds,
        double? RecoveredAfterSeconds, double CompletionSecondsMax, IReadOnlyDictionary<string, int> FailureCodes, IReadOnlyDictionary<string, string> FailureMessages);

    public sealed record Report(int Generations, int Tenants, int Steps, IReadOnlyList<Scenario> Scenarios, IReadOnlyList<string> NotRun);

    public static readonly string[] Names =
        ["redis-primary-kill", "accelerator-isolated", "grain-holder-isolated", "grain-holder-cut-from-redis", "gateway-cut-from-silos", "disk-full"];

    /// <summary>How long a scenario's generations may take before the ones left count as lost.</summary>
    static readonly TimeSpan ScenarioLimit = TimeSpan.FromMinutes(5);

    public static async Task<Report> RunAsync(string folder, string? program, byte[] image, int generations, int steps, IReadOnlyCollection<string> scenarios,
        TextWriter log, CancellationToken cancellationToken)
    {
        var results = new List<Scenario>();
        foreach (var name in Names.Where(scenarios.Contains))
        {
            log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} scenario {name}");
            var scenarioFolder = Path.Combine(folder, name);
            Directory.CreateDirectory(scenarioFolder);
            results.Add(await RunScenarioAsync(name, scenarioFolder, program, image, generations, steps, log, cancellationToken));
            log.WriteLine(JsonSerializer.Serialize(results[^1]));
        }
        // The embedded mode's restart is in-process (one SQLite file, no Redis to check): EmbeddedRestartTests covers it.
        return new Report(generations, 2, steps, results, ["embedded-restart: in-process, see tests/Ttm.Gateway.Tests/EmbeddedRestartTests.cs"]);
    }

    static async Task<Scenario> RunScenarioAsync(string name, string folder, string? program, byte[] image, int generations, int steps, TextWriter log,
        CancellationToken cancellationToken)
    {
        bool partition = name is not ("redis-primary-kill" or "disk-full");
        await using var network = partition ? await NamespaceNetwork.CreateAsync(cancellationToken) : null;
        var cluster = await LocalCluster.StartRedisAsync(folder, program: program, cancellationToken: cancellationToken, network: network,
            replication: name == "redis-primary-kill" ? new RedisReplication(Replicas: 2, DownAfterMilliseconds: 1_500, FailoverTimeoutMilliseconds: 5_000) : null);
        StoreVolume? store = null;
        try
        {
            if (name == "disk-full") store = await StoreVolume.MountAsync(cluster.Artifacts, megabytes: 256, cancellationToken);
            cluster.DeviceThreads = 1;
            var plain = await cluster.StartSiloAsync("plain", cancellationToken);
            var accelerators = new[] { await cluster.StartSiloAsync("accelerator", cancellationToken), await cluster.StartSiloAsync("accelerator", cancellationToken) };
            int port = LocalCluster.FreePort();
            await cluster.StartGatewayAsync(port, cancellationToken);
            var keys = new[] { await cluster.TenantKeyAsync("tenant-a"), await cluster.TenantKeyAsync("tenant-b") };
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(ScenarioLimit);
            var followers = Enumerable.Range(0, generations).Select(i => new GenerationFollower(
                ClusterFailureBenchmark.Request(image, i, steps, $"{name}-{i}"), $"tenant-{"ab"[i % 2]}", keys[i % 2], () => port)).ToList();
            var runs = followers.Select(f => Ended(f.RunAsync(limit.Token))).ToList();

            // Mid stage 1: a motion preview is out for two generations.
            while (followers.Count(f => f.Events.Any(e => e.MotionPreview is not null)) < 2 && !runs.All(r => r.IsCompleted))
                await Task.Delay(100, limit.Token);
            int running = followers.Count(f => !f.Ended);
            var faultAt = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            double? detected = null, healed = null;
            string fault;
            switch (name)
            {
                case "redis-primary-kill":
                {
                    var primary = (await cluster.PrimaryAsync())!;
                    primary.Kill();
                    fault = $"SIGKILL {primary.Name}";
                    while (await cluster.PrimaryAsync() is var now && (now is null || now == primary) && clock.Elapsed < TimeSpan.FromSeconds(90))
                        await Task.Delay(100, cancellationToken);
                    detected = Seconds(clock);
                    break;
                }
                case "accelerator-isolated" or "grain-holder-isolated":
                {
                    var silo = name == "accelerator-isolated"
                        ? accelerators.MaxBy(s => ClusterFailureBenchmark.Served(s, followers, "accelerator").Count)!
                        : accelerators.Prepend(plain).MaxBy(s => ClusterFailureBenchmark.Served(s, followers, "grain-holder").Count)!;
                    await network!.Isolate(silo.Network!, cancellationToken);
                    fault = $"{silo.Name} cut off from everything until declared dead, then healed";
                    while (!await cluster.DeclaredDeadAsync(silo) && clock.Elapsed < TimeSpan.FromSeconds(90)) await Task.Delay(250, cancellationToken);
                    detected = Seconds(clock);
                    await network.Heal(silo.Network!, cancellationToken);
                    healed = Seconds(clock);
                    break;
                }
                case "grain-holder-cut-from-redis":
                {
                    var silo = accelerators.Prepend(plain).MaxBy(s => ClusterFailureBenchmark.Served(s, followers, "grain-holder").Count)!;
                    await network!.CutFrom(silo.Network!, network.RedisAddress, cancellationToken);
                    fault = $"{silo.Name} cut off from Redis only for 20 s";
                    await Task.Delay(TimeSpan.FromSeconds(20), cancellationToken);
                    await network.Heal(silo.Network!, cancellationToken);
                    healed = Seconds(clock);
                    break;
                }
                case "gateway-cut-from-silos":
                {
                    // Each silo drops what it sends to the root namespace's address, where the gateway is; Redis keeps its own address.
                    foreach (var silo in accelerators.Prepend(plain)) await network!.CutFrom(silo.Network!, network.RootAddress, cancellationToken);
                    fault = "the gateway cut off from every silo for 15 s (not from Redis)";
                    await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
                    foreach (var silo in accelerators.Prepend(plain)) await network!.Heal(silo.Network!, cancellationToken);
                    healed = Seconds(clock);
                    break;
                }
                case "disk-full":
                {
                    var filler = Path.Combine(cluster.Artifacts, "filler");
                    StoreVolume.Fill(filler);
                    fault = "the artifact store's volume filled for 10 s";
                    await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
                    File.Delete(filler);
                    healed = Seconds(clock);
                    break;
                }
                default: throw new ArgumentException($"No chaos scenario {name}; there are {string.Join(", ", Names)}.", nameof(name));
            }
            log.WriteLine($"{faultAt:HH:mm:ss.fff} {fault}; {running} of {generations} running");

            await Task.WhenAll(runs);
            var history = await GenerationHistory.CheckAsync(cluster.Redis, new ClusterStoreOptions().ServiceId, cluster.Artifacts,
                GenerationHistory.Seen(followers), cancellationToken);
            log.WriteLine(history.ToString());
            var afterFault = followers.Where(f => f.Timeline.Any(t => t.At <= faultAt) && !EndedBy(f, faultAt))
                .Select(f => f.Timeline.FirstOrDefault(t => t.At > faultAt).At).ToList();
            var failed = followers.Where(f => f.Last is { Failed.Code.Length: > 0 }).ToList();
            return new Scenario(name, fault, followers.Count(f => f.Id is not null), followers.Count(f => f.Last?.Completed is not null), failed.Count,
                followers.Count(f => !f.Ended), history.Duplicates, history.Gaps, history.LostAcknowledged, history.FencedWrites,
                cluster.Processes.Sum(p => p.Output().Count(l => l.Contains("refused writer", StringComparison.Ordinal))), running, detected, healed,
                afterFault.Count == 0 || afterFault.Any(a => a == default) ? null : Math.Round(afterFault.Max(a => (a - faultAt).TotalSeconds), 2),
                Math.Round(followers.Where(f => f.Ended).Select(f => (f.Timeline[^1].At - f.Started).TotalSeconds).DefaultIfEmpty(0).Max(), 2),
                failed.GroupBy(f => f.Last!.Failed.Code).ToDictionary(g => g.Key, g => g.Count()),
                failed.GroupBy(f => f.Last!.Failed.Code).ToDictionary(g => g.Key, g => g.First().Last!.Failed.Message));
        }
        finally
        {
            await cluster.DisposeAsync();
            if (store is not null) await store.DisposeAsync();
        }
    }

    /// <summary>A follower's run, its end by the scenario's limit counted as no end rather than thrown.</summary>
    static async Task Ended(Task run)
    {
        try { await run; }
        catch (OperationCanceledException) { }
    }

    static bool EndedBy(GenerationFollower f, DateTimeOffset at) =>
        f.Timeline.Any(t => t.At <= at && t.Event.EventCase is Protos.V1.GenerationEvent.EventOneofCase.Completed
            or Protos.V1.GenerationEvent.EventOneofCase.Failed or Protos.V1.GenerationEvent.EventOneofCase.Cancelled);

    static double Seconds(Stopwatch clock) => Math.Round(clock.Elapsed.TotalSeconds, 2);
}
