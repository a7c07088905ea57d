using Google.Protobuf;
using Ttm.Protos.V1;

namespace Ttm.Cli.Cluster;

/// <summary>
/// What a process loss costs a running generation, on a cluster of real processes (Redis, one plain and two
/// accelerator silos, one gateway, all started here): the same batch of generations from three tenants with no
/// failure, with an accelerator silo SIGKILLed mid stage 1, and with the silo holding the most generation grains
/// SIGKILLed; for each, completion time p50/p95 from the request, and for the generations the killed silo served,
/// the seconds from the SIGKILL to their next event (their stage continuing elsewhere). After each kill a silo of
/// the same role starts again, so every round begins with the same cluster.
/// </summary>
public static class ClusterFailureBenchmark
{
    /// <param name="RestartedAfterSecondsP50">from the SIGKILL until another silo logs that it took the generation up again (its device
    /// stages started there, or its grain driven there): the failure's own cost</param>
    /// <param name="ContinuedAfterSecondsP50">from the SIGKILL until the client's next event: also the steps computed again since the last
    /// checkpoint and the wait for the one device left, which now serves every generation</param>
    public sealed record Round(string Failure, int Generations, int Completed, double CompletionSecondsP50, double CompletionSecondsP95,
        double CompletionSecondsMax, string? Killed, int Affected, double? RestartedAfterSecondsP50, double? RestartedAfterSecondsMax,
        double? ContinuedAfterSecondsP50, double? ContinuedAfterSecondsMax, int Reconnects);

    public sealed record Report(int Generations, int Tenants, int Steps, IReadOnlyList<Round> Rounds);

    public const string Prompt = "The red square moves right while the white square slides down slowly.";

    public static GenerateRequest Request(byte[] image, int seed, int steps, string requestId) => new()
    {
        Image = ByteString.CopyFrom(image), Prompt = Prompt, Seed = seed, MotionSteps = steps, VideoSteps = steps,
        PreviewEvery = Math.Max(1, steps / 3), PreviewSize = 64, RequestId = requestId,
    };

    public static async Task<Report> RunAsync(LocalCluster cluster, byte[] image, int generations, int steps, TextWriter log, CancellationToken cancellationToken)
    {
        cluster.DeviceThreads ??= LocalCluster.ShareOfCores(2);
        var plain = await cluster.StartSiloAsync("plain", cancellationToken);
        var accelerators = new List<HostProcess> { await cluster.StartSiloAsync("accelerator", cancellationToken), await cluster.StartSiloAsync("accelerator", cancellationToken) };
        int port = LocalCluster.FreePort();
        var gateway = await cluster.StartGatewayAsync(port, cancellationToken);
        var keys = new List<string>();
        for (int t = 0; t < 3; t++) keys.Add(await cluster.TenantKeyAsync($"tenant-{t}"));
        var rounds = new List<Round>();
        foreach (var failure in new[] { "none", "accelerator", "grain-holder", "gateway" })
        {
            var followers = Enumerable.Range(0, generations)
                .Select(i => new GenerationFollower(Request(image, i, steps, $"{failure}-{i}"), $"tenant-{i % 3}", keys[i % 3], () => Volatile.Read(ref port))).ToList();
            var runs = followers.Select(f => f.RunAsync(cancellationToken)).ToList();
            HostProcess? killed = null;
            DateTimeOffset killedAt = default;
            if (failure != "none")
            {
                // The accelerator: once a motion preview is out (mid stage 1). The grain holder: once two trajectories are out.
                Func<GenerationFollower, bool> ready = failure == "accelerator"
                    ? f => f.Events.Any(e => e.MotionPreview is not null)
                    : f => f.Events.Any(e => e.MotionDone is not null);
                while (followers.Count(ready) < (failure == "accelerator" ? 1 : 2) && !runs.All(r => r.IsCompleted)) await Task.Delay(50, cancellationToken);
                killed = failure switch
                {
                    "accelerator" => accelerators.MaxBy(s => Served(s, followers, failure).Count)!,
                    "grain-holder" => accelerators.Prepend(plain).MaxBy(s => Served(s, followers, failure).Count)!,
                    _ => gateway,
                };
                killedAt = DateTimeOffset.UtcNow;
                killed.Kill();
                log.WriteLine($"{killedAt:HH:mm:ss.fff} SIGKILL {killed.Name} (pid {killed.Pid})");
                if (failure == "gateway")
                {
                    int next = LocalCluster.FreePort();
                    gateway = await cluster.StartGatewayAsync(next, cancellationToken);
                    Volatile.Write(ref port, next);
                }
            }
            await Task.WhenAll(runs);

            // The generations the killed process served, in flight when it died (every one in flight, for the gateway).
            var affected = killed is null ? [] : followers.Where(f => (failure == "gateway" || Served(killed, [f], failure).Count > 0)
                && f.Timeline.Any(t => t.At <= killedAt) && f.Timeline.Any(t => t.At > killedAt)).ToList();
            var continued = affected.Select(f => (f.Timeline.First(t => t.At > killedAt).At - killedAt).TotalSeconds).Order().ToList();
            var restartLine = failure == "accelerator" ? "Device stages of " : "is driven again";
            var restarted = failure == "gateway" ? [] : affected.Select(f => cluster.Processes.Where(p => p != killed)
                    .SelectMany(p => p.TimedOutput()).Where(o => o.At > killedAt && o.Line.Contains(f.Id!, StringComparison.Ordinal) && o.Line.Contains(restartLine, StringComparison.Ordinal))
                    .Select(o => (o.At - killedAt).TotalSeconds).DefaultIfEmpty(double.NaN).Min())
                .Where(double.IsFinite).Order().ToList();
            var seconds = followers.Where(f => f.Last?.Completed is not null).Select(f => (f.Timeline[^1].At - f.Started).TotalSeconds).Order().ToList();
            rounds.Add(new Round(failure, generations, seconds.Count, Percentile(seconds, 0.5), Percentile(seconds, 0.95), Math.Round(seconds.LastOrDefault(), 2),
                killed?.Name, affected.Count, restarted.Count == 0 ? null : Percentile(restarted, 0.5), restarted.Count == 0 ? null : Math.Round(restarted[^1], 2),
                continued.Count == 0 ? null : Percentile(continued, 0.5), continued.Count == 0 ? null : Math.Round(continued[^1], 2),
                followers.Sum(f => f.Reconnects)));
            log.WriteLine($"{failure}: {seconds.Count}/{generations} completed, p50 {Percentile(seconds, 0.5)} s");

            if (killed is not null && failure != "gateway")
            {
                var role = killed == plain ? "plain" : "accelerator";
                var again = await cluster.StartSiloAsync(role, cancellationToken);
                if (killed == plain) plain = again;
                else accelerators[accelerators.IndexOf(killed)] = again;
            }
        }
        return new Report(generations, 3, steps, rounds);
    }

    /// <summary>The generation ids a silo's log says it served: device stages run there (accelerator), or grains started or driven there.</summary>
    public static HashSet<string> Served(HostProcess silo, IEnumerable<GenerationFollower> followers, string failure)
    {
        var prefix = failure == "accelerator" ? "Device stages of " : "Generation ";
        var lines = silo.Output().Where(l => l.Contains(prefix, StringComparison.Ordinal)).ToList();
        return followers.Where(f => f.Id is not null && lines.Any(l => l.Contains(f.Id, StringComparison.Ordinal))).Select(f => f.Id!).ToHashSet();
    }

    static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)], 2);
}
