using System.Diagnostics;
using Google.Protobuf;
using StackExchange.Redis;
using Ttm.Benchmarks;
using Ttm.Models;
using Ttm.Models.Simulation;
using Ttm.Models.Weights;
using Ttm.Pipeline.Devices;
using Ttm.Protos.V1;

namespace Ttm.Cli.Cluster;

/// <summary>
/// A fleet of simulated accelerators (<c>sim:h100</c>, passes timed by the H100's measurements) behind the real serving
/// path, every host its own process on this machine: Redis, <c>accelerators</c> accelerator silos, one plain silo, one
/// gateway. Generations of a mixed workload (three sizes of steps and display, three tenants) arrive open-loop at a
/// fixed mean rate (exponential gaps, seeded) whatever the fleet's progress. It reports the rate reached against what
/// the simulated devices could do (the cost model's rate at full batches), how far the placement's busiest device is from
/// the best assignment of the same jobs, admission and first-preview latency, the gateway's events/s, Redis' ops/s and
/// memory, and the CPU seconds each kind of host spent per generation: on a machine of few cores the hosts, not the
/// simulated devices, are what runs out.
/// </summary>
public static class FleetBenchmark
{
    /// <summary>
    /// One run's shape: <paramref name="Accelerators"/> simulated H100s timed as networks of <paramref name="Size"/> (random
    /// weights beyond tiny: what they compute does not matter, how long the simulated device takes does), each batching at most
    /// <paramref name="MaxBatch"/> requests a pass (null: the device's default), offered <paramref name="PerSecond"/> arrivals a second
    /// (null: 1.25 × the devices' ideal, so that they stay full and the run measures the fleet, not the offered rate).
    /// </summary>
    /// <param name="Baseline">a run of the same shape on fewer accelerators (its JSON): the scaling efficiency is read against N × its
    /// steady rate per accelerator</param>
    public sealed record Run(int Accelerators, int Generations, double? PerSecond = null, string Size = "tiny", int? MaxBatch = null, string? Baseline = null)
    {
        public int Batch => MaxBatch ?? DeviceWorker.DefaultMaxBatch(Device);
    }

    /// <summary>
    /// The hosts' settings for <paramref name="run"/> beside <see cref="Settings"/>: the accelerators' batch and, beyond tiny, the
    /// random networks of its size written under <paramref name="folder"/> from <paramref name="shippedModels"/>' configs.
    /// </summary>
    public static Dictionary<string, string> Environment(Run run, string folder, string shippedModels)
    {
        var settings = new Dictionary<string, string>(Settings) { ["Ttm__MaxBatch"] = run.Batch.ToString() };
        if (run.Size != "tiny")
        {
            var models = Path.Combine(folder, "models");
            RandomWeights.WriteModels(models, run.Size, shippedModels);
            settings["Ttm__Models"] = models;
        }
        return settings;
    }

    /// <summary>One kind of generation of the mix: its steps per stage, display size, and share of the arrivals.</summary>
    public sealed record Kind(string Name, int Steps, int DisplaySize, double Share);

    /// <summary>Short previews, standard clips, long batch-like jobs: the long ones are what placement by count gets wrong.</summary>
    public static readonly IReadOnlyList<Kind> Mix = [new("preview", 4, 64, 0.5), new("standard", 12, 128, 0.35), new("long", 32, 64, 0.15)];

    public const int Tenants = 3;

    /// <param name="DeviceSeconds">the generation's device seconds alone (<see cref="DeviceCostModel.GenerationSeconds"/>), the placement's unit</param>
    public sealed record Job(int Index, string Kind, string Tenant, int Steps, int DisplaySize, double ArrivalSeconds, double DeviceSeconds);

    /// <param name="AssignedSeconds">the busiest accelerator's device seconds as the cluster placed the jobs</param>
    /// <param name="LowerBoundSeconds">no assignment does better: max(total / N, the largest job)</param>
    /// <param name="LptSeconds">the busiest accelerator's seconds under LPT (largest first to the least loaded), offline</param>
    /// <param name="ByCountSeconds">the same jobs in arrival order, each to the accelerator with the fewest, offline (all queued at once)</param>
    /// <param name="Gap">AssignedSeconds / LowerBoundSeconds − 1</param>
    public sealed record Makespan(double AssignedSeconds, double LowerBoundSeconds, double LptSeconds, double ByCountSeconds, double Gap,
        IReadOnlyDictionary<string, double> SecondsByAccelerator);

    public sealed record Latency(double P50, double P99, double Max);

    /// <param name="IdealGenerationsPerMinute">N × one simulated device's rate on this mix at full batches (the cost model's passes of
    /// <see cref="MaxBatch"/> requests), the devices' ceiling</param>
    /// <param name="IdealAloneGenerationsPerMinute">N × the rate of one generation at a time (no batching)</param>
    /// <param name="ShareOfReachable">generations/min over what the run could reach at most: the lesser of the offered rate and the
    /// devices' ideal (a run that offers less than the ideal measures the offered rate, not the fleet)</param>
    /// <param name="StageSecondsP50">the median seconds of each stage of the completed generations (their completed events' own clocks)</param>
    /// <param name="DevicesSeen">the devices the completed generations' notes name (the accelerators' own word for what they ran on)</param>
    /// <param name="CpuSecondsPerGeneration">per kind of host (accelerator, plain, gateway, redis, client: this process), summed over its processes</param>
    /// <param name="SteadyGenerationsPerMinute">completions between the first completion and the last arrival, over that window: the
    /// rate while the devices are fed, without the first generation's latency before any completes and the drain after the arrivals end</param>
    /// <param name="SteadyShareOfIdeal">SteadyGenerationsPerMinute over the devices' ideal (every pass a full batch of one stage)</param>
    /// <param name="ScalingEfficiency">SteadyGenerationsPerMinute over N × the baseline's steady rate per accelerator (null: no baseline)</param>
    /// <param name="PeakRssMegabytes">per kind of host, the largest peak resident memory of its processes</param>
    public sealed record Report(int Accelerators, int AcceleratorsPerProcess, int PlainSilos, int Gateways, int HostCores, string Device, string Size,
        int Generations, int Completed, int Failed, double OfferedPerSecond, double Seconds, double GenerationsPerMinute,
        double SteadyGenerationsPerMinute, double SteadyShareOfIdeal, double? ScalingEfficiency, string? Baseline, int SteadyCompletions, double SteadyWindowSeconds,
        double IdealGenerationsPerMinute, double IdealAloneGenerationsPerMinute, double ShareOfIdeal, double ShareOfReachable, int MaxBatch,
        Makespan Placement, Latency AdmissionSeconds, Latency FirstPreviewSeconds, Latency CompletionSeconds, IReadOnlyDictionary<string, double> StageSecondsP50,
        double GatewayEventsPerSecond, double RedisOpsPerSecond, double RedisUsedMegabytes,
        IReadOnlyDictionary<string, double> CpuSecondsPerGeneration, IReadOnlyDictionary<string, double> PeakRssMegabytes, IReadOnlyDictionary<string, int> CompletedByTenant,
        IReadOnlyList<Kind> Mix, IReadOnlyList<string> DevicesSeen, string Note);

    /// <summary>The accelerators' device (<see cref="LocalCluster.AcceleratorDevice"/>).</summary>
    public const string Device = "sim:h100";

    /// <summary>
    /// The fleet's hosts' settings beside the overlay's: tenant limits above what the workload asks (it measures the fleet,
    /// not the tenants' quotas). A new dictionary each read: a caller that adds to its copy changes no other's.
    /// </summary>
    public static Dictionary<string, string> Settings => new()
    {
        ["Ttm__Tenants__Defaults__MaxConcurrent"] = "1000",
        ["Ttm__Tenants__Defaults__RequestsPerMinute"] = "100000",
    };

    /// <summary>The networks' two configs a run of <paramref name="size"/> times its passes by (the shipped tiny ones, or tiny's conditions at that size).</summary>
    public static (TtmConfig Motion, TtmConfig Video) Networks(string size) => size == "tiny"
        ? DeviceCostModel.Tiny
        : (RandomWeights.Sized(DeviceCostModel.Tiny.Motion, size), RandomWeights.Sized(DeviceCostModel.Tiny.Video, size));

    /// <summary>Device seconds of one generation of <paramref name="steps"/> per stage sharing its passes with <paramref name="batch"/> − 1 others.</summary>
    public static double DeviceSeconds((TtmConfig Motion, TtmConfig Video) networks, int steps, int batch = 1) =>
        DeviceCostModel.H100.GenerationSeconds(networks.Motion, networks.Video, steps, steps, batch);

    /// <summary>N × one simulated device's rate on the mix at full batches of <paramref name="batch"/>, generations a minute.</summary>
    public static double IdealPerMinute(int accelerators, string size, int batch) =>
        accelerators * 60 / Mix.Sum(k => k.Share * DeviceSeconds(Networks(size), k.Steps, batch));

    /// <summary>The jobs, their kinds drawn by <see cref="Kind.Share"/> and their arrivals at exponential gaps of mean 1/<paramref name="perSecond"/>, from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<Job> Workload(int generations, double perSecond, int seed = 1, string size = "tiny")
    {
        var networks = Networks(size);
        var random = new Random(seed);
        double at = 0;
        var jobs = new List<Job>();
        for (int i = 0; i < generations; i++)
        {
            double draw = random.NextDouble(), cumulative = 0;
            var kind = Mix.FirstOrDefault(k => (cumulative += k.Share) > draw) ?? Mix[^1];
            jobs.Add(new Job(i, kind.Name, $"tenant-{i % Tenants}", kind.Steps, kind.DisplaySize, Math.Round(at, 3), DeviceSeconds(networks, kind.Steps)));
            at += -Math.Log(1 - random.NextDouble()) / perSecond;
        }
        return jobs;
    }

    /// <param name="cluster">started with <see cref="Environment"/>'s settings for <paramref name="run"/></param>
    public static async Task<Report> RunAsync(LocalCluster cluster, byte[] image, Run run, TextWriter log, CancellationToken cancellationToken)
    {
        int accelerators = run.Accelerators, generations = run.Generations;
        double perSecond = run.PerSecond ?? 1.25 * IdealPerMinute(accelerators, run.Size, run.Batch) / 60;
        cluster.DeviceThreads ??= LocalCluster.ShareOfCores(accelerators); // the segmenter's CPU threads; the simulated passes take none
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < accelerators; i++) await cluster.StartSiloAsync("accelerator", cancellationToken);
        await cluster.StartSiloAsync("plain", cancellationToken);
        int port = LocalCluster.FreePort();
        await cluster.StartGatewayAsync(port, cancellationToken);
        var keys = new List<string>();
        for (int t = 0; t < Tenants; t++) keys.Add(await cluster.TenantKeyAsync($"tenant-{t}"));
        log.WriteLine($"fleet of {accelerators} up in {clock.Elapsed.TotalSeconds:F0} s");
        // One short generation per accelerator first, all at once (equal work: the queue spreads them one to each), so
        // what each host does once (JIT, first sessions) is not counted against the workload.
        var warmups = Enumerable.Range(0, accelerators).Select(i => new GenerationFollower(
            Request(image, new Job(i, "warm-up", "tenant-0", 2, 64, 0, 0), $"warm-up-{i}"), "tenant-0", keys[0], () => port)).ToList();
        await Task.WhenAll(warmups.Select(w => w.RunAsync(cancellationToken)));
        log.WriteLine($"warmed up ({warmups.Count(w => w.Last?.Completed is not null)}/{accelerators} completed) at {clock.Elapsed.TotalSeconds:F0} s");

        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Redis + ",allowAdmin=true");
        var server = redis.GetServers()[0];
        long commandsBefore = await RedisStatAsync(server, "stats", "total_commands_processed");
        var cpuBefore = CpuSeconds(cluster);

        var jobs = Workload(generations, perSecond, size: run.Size);
        var followers = jobs.Select(j => new GenerationFollower(Request(image, j, $"fleet-{j.Index}"), j.Tenant, keys[j.Index % Tenants], () => port)).ToList();
        var started = Stopwatch.StartNew();
        var runs = new List<Task>();
        foreach (var (job, follower) in jobs.Zip(followers))
        {
            var wait = TimeSpan.FromSeconds(job.ArrivalSeconds) - started.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            runs.Add(Task.Run(() => follower.RunAsync(cancellationToken), cancellationToken)); // open loop: nobody waits for the last
        }
        await Task.WhenAll(runs);
        double seconds = started.Elapsed.TotalSeconds;

        long commands = await RedisStatAsync(server, "stats", "total_commands_processed") - commandsBefore;
        double usedMegabytes = await RedisStatAsync(server, "memory", "used_memory") / 1048576.0;
        var cpuAfter = CpuSeconds(cluster);

        var completed = followers.Where(f => f.Last?.Completed is not null).ToList();
        int done = Math.Max(1, completed.Count);
        var cpu = cpuAfter.ToDictionary(kv => kv.Key, kv => Math.Round((kv.Value - cpuBefore.GetValueOrDefault(kv.Key)) / done, 3));
        // From the first request to the last completion: the fleet's rate over the run as a client sees it.
        double span = completed.Count == 0 ? seconds : (completed.Max(f => f.Timeline[^1].At) - followers.Min(f => f.Started)).TotalSeconds;
        var networks = Networks(run.Size);
        double perDeviceIdeal = 60 / jobs.Average(j => DeviceSeconds(networks, j.Steps, run.Batch));
        double perDeviceAlone = 60 / jobs.Average(j => j.DeviceSeconds);
        double rate = completed.Count / span * 60;
        var (steadyCompletions, steadyWindow) = Steady(followers, jobs[^1].ArrivalSeconds);
        double steady = steadyWindow > 0 ? steadyCompletions / steadyWindow * 60 : rate;
        var rss = PeakRss(cluster);
        var placement = Placement(jobs, followers, accelerators);
        log.WriteLine($"{completed.Count}/{generations} completed in {span:F1} s: {rate:F1} generations/min; busiest device {placement.AssignedSeconds} s vs bound {placement.LowerBoundSeconds} s");

        return new Report(accelerators, 1, 1, 1, System.Environment.ProcessorCount, Device, run.Size, generations, completed.Count,
            followers.Count(f => f.Last?.Failed is not null), Math.Round(perSecond, 4), Math.Round(span, 2), Math.Round(rate, 2),
            Math.Round(steady, 2), Math.Round(steady / (accelerators * perDeviceIdeal), 4),
            run.Baseline is null ? null : Math.Round(steady / (accelerators * BaselinePerAccelerator(run.Baseline)), 4), run.Baseline is null ? null : Path.GetFileName(run.Baseline),
            steadyCompletions, Math.Round(steadyWindow, 2),
            Math.Round(accelerators * perDeviceIdeal, 1), Math.Round(accelerators * perDeviceAlone, 1), Math.Round(rate / (accelerators * perDeviceIdeal), 4),
            Math.Round(rate / Math.Min(perSecond * 60, accelerators * perDeviceIdeal), 4), run.Batch,
            placement,
            Percentiles(followers.Select(f => SecondsTo(f, e => e.Accepted is not null))),
            Percentiles(followers.Select(f => SecondsTo(f, e => e.MotionPreview is not null))),
            Percentiles(completed.Select(f => SecondsTo(f, e => e.Completed is not null))),
            completed.SelectMany(f => f.Last!.Completed.Seconds).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => Math.Round(BenchmarkJson.Median(g.Select(kv => kv.Value)), 3)),
            Math.Round(followers.Sum(f => f.Timeline.Count) / seconds, 1), Math.Round(commands / seconds, 1), Math.Round(usedMegabytes, 2),
            cpu, rss, completed.GroupBy(f => f.Tenant).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()), Mix,
            completed.Select(f => DeviceOf(f.Last!.Completed.Note)).Distinct().Order(StringComparer.Ordinal).ToList(),
            $"Every host is its own process (one accelerator silo per process), all on this machine, {System.Environment.ProcessorCount} cores in all. "
            + $"SIMULATED devices: each H100's passes and SAM grounding sleep for the cost model's time ({run.Size} networks, at most {run.Batch} requests a pass); "
            + "planning, previews, encoding, the event log and gRPC run for real on the hosts' CPUs.");
    }

    /// <summary>A baseline run's steady generations a minute per accelerator.</summary>
    static double BaselinePerAccelerator(string file)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!;
        return (double)root["steady_generations_per_minute"]! / (int)root["accelerators"]!;
    }

    /// <summary>Completions from the first completion to the last arrival, and that window's seconds (0: too short to read, under 5 completions).</summary>
    static (int Completions, double Seconds) Steady(IReadOnlyList<GenerationFollower> followers, double lastArrivalSeconds)
    {
        var origin = followers.Min(f => f.Started);
        var ends = followers.Where(f => f.Last?.Completed is not null).Select(f => (f.Timeline[^1].At - origin).TotalSeconds).Order().ToList();
        if (ends.Count == 0) return (0, 0);
        double from = ends[0], to = lastArrivalSeconds;
        int inside = ends.Count(e => e > from && e <= to);
        return inside < 5 ? (0, 0) : (inside, to - from);
    }

    /// <summary>Each kind of host's largest peak resident memory (VmHWM), megabytes.</summary>
    static Dictionary<string, double> PeakRss(LocalCluster cluster)
    {
        var peak = new Dictionary<string, double>();
        foreach (var host in cluster.Processes.Where(p => !p.HasExited))
        {
            string kind = host.Name.Split('-')[0];
            try
            {
                var line = File.ReadLines($"/proc/{host.Pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                if (line is null) continue;
                double megabytes = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
                peak[kind] = Math.Round(Math.Max(peak.GetValueOrDefault(kind), megabytes), 1);
            }
            catch (IOException) { } // it exited meanwhile
        }
        return peak;
    }

    static GenerateRequest Request(byte[] image, Job job, string requestId) => new()
    {
        Image = ByteString.CopyFrom(image), Prompt = ClusterFailureBenchmark.Prompt, Seed = job.Index, MotionSteps = job.Steps, VideoSteps = job.Steps,
        PreviewEvery = Math.Max(1, job.Steps / 2), PreviewSize = job.DisplaySize, RequestId = requestId,
    };

    /// <summary>The busiest accelerator's device seconds as placed (read from each completed event's note) against the offline assignments.</summary>
    public static Makespan Placement(IReadOnlyList<Job> jobs, IReadOnlyList<GenerationFollower> followers, int accelerators)
    {
        var bySilo = new Dictionary<string, double>();
        foreach (var (job, follower) in jobs.Zip(followers))
            if (SiloOf(follower.Last?.Completed?.Note) is { } silo) bySilo[silo] = bySilo.GetValueOrDefault(silo) + job.DeviceSeconds;
        var placed = jobs.Zip(followers).Where(p => SiloOf(p.Second.Last?.Completed?.Note) is not null).Select(p => p.First).ToList();
        return Offline(placed, accelerators, bySilo);
    }

    /// <summary>Where the completed note says the device stages ran ("device stages ran on S127.0.0.1:…@… (sim:h100 …").</summary>
    static string? SiloOf(string? note)
    {
        const string prefix = "device stages ran on ";
        if (note is null || !note.StartsWith(prefix, StringComparison.Ordinal)) return null;
        int end = note.IndexOf(" (", prefix.Length, StringComparison.Ordinal);
        return end < 0 ? null : note[prefix.Length..end];
    }

    /// <summary>The device the completed note names ("… (sim:h100 (SIMULATED: …), DiT …)"): its first word in the parentheses.</summary>
    static string DeviceOf(string note)
    {
        int open = note.IndexOf(" (", StringComparison.Ordinal);
        return open < 0 ? "" : note[(open + 2)..].Split(' ', ',', ')')[0];
    }

    /// <summary>The makespans of <paramref name="jobs"/> on <paramref name="accelerators"/> devices: as placed, the lower bound, LPT and by count.</summary>
    public static Makespan Offline(IReadOnlyList<Job> jobs, int accelerators, IReadOnlyDictionary<string, double> placedBySilo)
    {
        if (jobs.Count == 0) return new Makespan(0, 0, 0, 0, 0, placedBySilo);
        double lowerBound = Math.Max(jobs.Sum(j => j.DeviceSeconds) / accelerators, jobs.Max(j => j.DeviceSeconds));
        var lpt = new double[accelerators];
        foreach (var job in jobs.OrderByDescending(j => j.DeviceSeconds)) lpt[Array.IndexOf(lpt, lpt.Min())] += job.DeviceSeconds;
        var byCount = new double[accelerators];
        var counts = new int[accelerators];
        foreach (var job in jobs)
        {
            int s = Array.IndexOf(counts, counts.Min());
            counts[s]++;
            byCount[s] += job.DeviceSeconds;
        }
        double assigned = placedBySilo.Count == 0 ? 0 : placedBySilo.Values.Max();
        return new Makespan(Math.Round(assigned, 3), Math.Round(lowerBound, 3), Math.Round(lpt.Max(), 3), Math.Round(byCount.Max(), 3),
            Math.Round(assigned / lowerBound - 1, 4), placedBySilo.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3)));
    }

    /// <summary>Seconds from the request to the first event that <paramref name="which"/> accepts (NaN: none came).</summary>
    static double SecondsTo(GenerationFollower follower, Func<GenerationEvent, bool> which) =>
        follower.Timeline.Where(t => which(t.Event)).Select(t => (t.At - follower.Started).TotalSeconds).DefaultIfEmpty(double.NaN).First();

    static Latency Percentiles(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToList();
        if (sorted.Count == 0) return new Latency(0, 0, 0);
        double At(double p) => Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)], 3);
        return new Latency(At(0.5), At(0.99), Math.Round(sorted[^1], 3));
    }

    /// <summary>CPU seconds (user + system) so far of each kind of host: the name before its number ("accelerator-3"), and this process as "client".</summary>
    static Dictionary<string, double> CpuSeconds(LocalCluster cluster)
    {
        var seconds = new Dictionary<string, double> { ["client"] = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds };
        foreach (var host in cluster.Processes.Where(p => !p.HasExited))
        {
            string kind = host.Name.Split('-')[0];
            try
            {
                using var process = Process.GetProcessById(host.Pid);
                seconds[kind] = seconds.GetValueOrDefault(kind) + process.TotalProcessorTime.TotalSeconds;
            }
            catch (ArgumentException) { } // it exited meanwhile
        }
        return seconds;
    }

    static async Task<long> RedisStatAsync(IServer server, string section, string key) =>
        long.Parse((await server.InfoAsync(section)).SelectMany(g => g).First(kv => kv.Key == key).Value);
}
