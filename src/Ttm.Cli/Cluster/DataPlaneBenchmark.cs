using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using StackExchange.Redis;
using Ttm.Benchmarks;
using Ttm.Hosting;
using Ttm.Protos.V1;

namespace Ttm.Cli.Cluster;

/// <summary>
/// What one generation at real sizes moves through the multi-process cluster (Redis, a plain and an accelerator silo, a
/// gateway, all started here, grain messages capped at <see cref="ClusterStoreOptions.MaxMessageBytes"/>): networks of a
/// named size with random weights (what they compute does not matter, how much does) at display 1024. It reads, from each
/// host's /metrics before and after, Orleans' own message-size histogram (the largest message lies in its highest
/// non-empty power-of-two bucket) and the artifact store's bytes and seconds; from Redis, the bytes in and out; from
/// /proc, each process's peak resident memory; from the completed event, the seconds of each stage.
/// </summary>
public static class DataPlaneBenchmark
{
    /// <param name="LargestMessageBytesAtMost">the upper bound of the highest power-of-two bucket any message of the generation fell in</param>
    /// <param name="StoreSeconds">seconds this host spent in artifact store writes and reads</param>
    public sealed record Host(string Name, string Kind, int Pid, long PeakRssBytes, long MessagesSent, long MessageBytesSent, long LargestMessageBytesAtMost,
        long StoreBytesWritten, long StoreBytesRead, double StoreSeconds);

    /// <param name="MovingSeconds">artifact store writes and reads on every host (the handed-over frames, previews, chunks, the image)</param>
    /// <param name="ComputeSeconds">the completed event's stage seconds: plan, segment, motion, video, encode</param>
    public sealed record Report(string Size, int DisplaySize, int Steps, int MaxMessageBytes, string Outcome, double Seconds, int Events, long EventBytesToClient,
        long LargestMessageBytesAtMost, long MessageBytesSent, long RedisBytesIn, long RedisBytesOut, long RedisUsedMemory,
        long StoreBytesWritten, long StoreBytesRead, long StoredBytes, double MovingSeconds, double ComputeSeconds,
        IReadOnlyDictionary<string, double> StageSeconds, IReadOnlyList<Host> Hosts);

    const string OpsUser = "ops";
    const string Prompt = "The red square moves right while the white square slides down slowly.";

    /// <param name="folder">an empty folder for Redis, the store and the random models; the caller removes it</param>
    /// <param name="shippedModels">the shipped models folder, whose configs (conditions, variant) the random networks take at <paramref name="size"/></param>
    /// <param name="program">the ttm.dll the hosts run (default: this program's own)</param>
    public static async Task<Report> RunAsync(string folder, string size, int display, int steps, byte[] image, string shippedModels, TextWriter log,
        CancellationToken cancellationToken, string? program = null)
    {
        var models = Path.Combine(folder, "models");
        RandomWeights.WriteModels(models, size, shippedModels);
        log.WriteLine($"random {size} networks in {models}");
        string opsPassword = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        await using var cluster = await LocalCluster.StartRedisAsync(folder, new Dictionary<string, string>
        {
            ["Ttm__Models"] = models,
            ["Ttm__Ops__Password"] = opsPassword,
        }, program, cancellationToken);
        cluster.DeviceThreads = Environment.ProcessorCount;
        var hosts = new List<(HostProcess Process, string Kind)>
        {
            (await cluster.StartSiloAsync("plain", cancellationToken), "plain silo"),
            (await cluster.StartSiloAsync("accelerator", cancellationToken), "accelerator silo"),
        };
        int port = LocalCluster.FreePort();
        hosts.Add((await cluster.StartGatewayAsync(port, cancellationToken), "gateway"));
        string key = await cluster.TenantKeyAsync("bench");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{OpsUser}:{opsPassword}")));
        var connection = new ClusterStoreOptions { Redis = cluster.Redis }.RedisConnection();
        connection.AllowAdmin = true; // INFO
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connection);
        var server = redis.GetServer(redis.GetEndPoints()[0]);

        var before = await Task.WhenAll(hosts.Select(h => ScrapeAsync(http, h.Process, cancellationToken)));
        var redisBefore = await RedisStatsAsync(server);
        var request = new GenerateRequest
        {
            Image = ByteString.CopyFrom(image), Prompt = Prompt, Seed = 1, MotionSteps = steps, VideoSteps = steps,
            PreviewEvery = 1, PreviewSize = display, RequestId = "data-plane",
        };
        var follower = new GenerationFollower(request, "bench", key, () => port);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await follower.RunAsync(cancellationToken);
        double seconds = clock.Elapsed.TotalSeconds;
        var after = await Task.WhenAll(hosts.Select(h => ScrapeAsync(http, h.Process, cancellationToken)));
        var redisAfter = await RedisStatsAsync(server);

        var rows = hosts.Select((h, i) => Row(h.Process, h.Kind, before[i], after[i])).ToList();
        var last = follower.Last!;
        var stages = last.Completed?.Seconds.ToDictionary(s => s.Key, s => Math.Round(s.Value, 2)) ?? [];
        var outcome = last.EventCase switch
        {
            GenerationEvent.EventOneofCase.Completed => "completed",
            GenerationEvent.EventOneofCase.Failed => $"failed: {last.Failed.Code}: {last.Failed.Message}",
            _ => last.EventCase.ToString(),
        };
        return new Report(size, display, steps, ClusterStoreOptions.DefaultMaxMessageBytes, outcome, Math.Round(seconds, 2), follower.Events.Count,
            follower.Events.Sum(e => (long)e.CalculateSize()), rows.Max(r => r.LargestMessageBytesAtMost), rows.Sum(r => r.MessageBytesSent),
            redisAfter.In - redisBefore.In, redisAfter.Out - redisBefore.Out, redisAfter.UsedMemory,
            rows.Sum(r => r.StoreBytesWritten), rows.Sum(r => r.StoreBytesRead), new DirectoryArtifactStore(cluster.Artifacts).SizeOf(follower.Id!),
            Math.Round(rows.Sum(r => r.StoreSeconds), 3), Math.Round(stages.Values.Sum(), 2), stages, rows);
    }

    static Host Row(HostProcess process, string kind, Metrics before, Metrics after)
    {
        const string sent = "orleans_messaging_sent_messages_size";
        return new Host(process.Name, kind, process.Pid, PeakRssBytes(process.Pid),
            (long)(after.Sum(sent, "_count") - before.Sum(sent, "_count")), (long)(after.Sum(sent, "_sum") - before.Sum(sent, "_sum")),
            LargestBucket(before, after, sent),
            (long)(after.Sum("ttm_store_written", "_total") - before.Sum("ttm_store_written", "_total")),
            (long)(after.Sum("ttm_store_read", "_total") - before.Sum("ttm_store_read", "_total")),
            Math.Round(after.Sum("ttm_store_duration", "_sum") - before.Sum("ttm_store_duration", "_sum"), 3));
    }

    /// <summary>
    /// The smallest bucket bound that holds every message sent between the two scrapes, over every series (each direction
    /// and peer): Prometheus buckets are cumulative, so it is the first bound whose count grew as much as the total did.
    /// </summary>
    static long LargestBucket(Metrics before, Metrics after, string histogram)
    {
        long largest = 0;
        foreach (var series in after.Series(histogram + "_count"))
        {
            double grew = after.Value(histogram + "_count", series) - before.Value(histogram + "_count", series);
            if (grew <= 0) continue;
            var then = before.Buckets(histogram, series);
            var bound = after.Buckets(histogram, series).Where(b => b.Value - then.GetValueOrDefault(b.Key) >= grew)
                .Select(b => b.Key).DefaultIfEmpty(double.PositiveInfinity).Min();
            largest = Math.Max(largest, double.IsPositiveInfinity(bound) ? long.MaxValue : (long)bound);
        }
        return largest;
    }

    static long PeakRssBytes(int pid)
    {
        // VmHWM: the process's peak resident set, in kB.
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    static async Task<(long In, long Out, long UsedMemory)> RedisStatsAsync(IServer server)
    {
        var info = (await server.InfoAsync()).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        long Read(string name) => long.Parse(info[name], CultureInfo.InvariantCulture);
        return (Read("total_net_input_bytes"), Read("total_net_output_bytes"), Read("used_memory"));
    }

    static async Task<Metrics> ScrapeAsync(HttpClient http, HostProcess host, CancellationToken cancellationToken) =>
        Metrics.Parse(await http.GetStringAsync($"http://127.0.0.1:{host.HealthPort}/metrics", cancellationToken));

    /// <summary>One Prometheus text scrape: each sample's name, labels (as written, without "le") and value.</summary>
    sealed class Metrics
    {
        readonly List<(string Name, string Labels, string? Le, double Value)> samples = [];

        public static Metrics Parse(string text)
        {
            var metrics = new Metrics();
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                int brace = line.IndexOf('{'), space = line.LastIndexOf(' ');
                if (space <= 0) continue;
                // "name{a="1",le="64"} 3 1700000000000": the value is the second field from the end when a timestamp follows.
                var fields = line[(line.LastIndexOf('}') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 0 || !double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) continue;
                string name = brace > 0 ? line[..brace] : line[..line.IndexOf(' ')];
                string labels = brace > 0 ? line[(brace + 1)..line.LastIndexOf('}')] : "";
                var parts = labels.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
                var le = parts.FirstOrDefault(p => p.StartsWith("le=", StringComparison.Ordinal));
                if (le is not null) parts.Remove(le);
                metrics.samples.Add((name, string.Join(',', parts.Where(p => !p.StartsWith("otel_scope", StringComparison.Ordinal))), le?[4..^1], value));
            }
            return metrics;
        }

        /// <summary>The sum over every series of the metrics whose name starts with <paramref name="prefix"/> and ends with <paramref name="suffix"/>.</summary>
        public double Sum(string prefix, string suffix) =>
            samples.Where(s => s.Name.StartsWith(prefix, StringComparison.Ordinal) && s.Name.EndsWith(suffix, StringComparison.Ordinal)).Sum(s => s.Value);

        public IEnumerable<string> Series(string prefixOfName) => samples.Where(s => Matches(s.Name, prefixOfName)).Select(s => s.Labels).Distinct();

        public double Value(string prefixOfName, string labels) =>
            samples.Where(s => Matches(s.Name, prefixOfName) && s.Labels == labels).Sum(s => s.Value);

        /// <summary>A histogram series' cumulative bucket counts by upper bound (+Inf left out).</summary>
        public Dictionary<double, double> Buckets(string histogram, string series) =>
            samples.Where(s => Matches(s.Name, histogram + "_bucket") && s.Labels == series && s.Le is not null && s.Le != "+Inf")
                .ToDictionary(s => double.Parse(s.Le!, CultureInfo.InvariantCulture), s => s.Value);

        /// <summary>"orleans_messaging_sent_messages_size_bucket" matches "orleans_messaging_sent_messages_size_bytes_bucket" (the unit the exporter adds).</summary>
        static bool Matches(string name, string wanted)
        {
            int split = wanted.LastIndexOf('_');
            return name == wanted || (name.StartsWith(wanted[..split], StringComparison.Ordinal) && name.EndsWith(wanted[split..], StringComparison.Ordinal));
        }
    }
}
