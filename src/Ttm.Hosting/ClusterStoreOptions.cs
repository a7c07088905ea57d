using Microsoft.Extensions.Options;

namespace Ttm.Hosting;

/// <summary>
/// Ttm:Cluster (env Ttm__Cluster__Redis, …): where the cluster keeps membership, grain state, reminders and the
/// generations' event logs. Without <see cref="Redis"/> every host is the embedded default: one process,
/// localhost clustering, memory storage, nothing else to run.
/// </summary>
public sealed class ClusterStoreOptions
{
    public const string Section = "Ttm:Cluster";

    /// <summary>
    /// A StackExchange.Redis connection string, e.g. "127.0.0.1:6379", or Sentinels and the primary's name
    /// ("s1:26379,s2:26379,serviceName=ttm": StackExchange.Redis asks them for the primary and follows a failover); none for the embedded default.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>
    /// Replicas that must hold an event before its append returns (Redis WAIT after the XADD): with 1, an event a client
    /// saw survives the primary's loss, since Sentinel promotes a replica that has it. 0: the primary's word alone.
    /// </summary>
    public int WaitReplicas { get; set; }

    /// <summary>How long one WAIT waits for <see cref="WaitReplicas"/> before the append tries again (a replica lost mid failover).</summary>
    public int WaitMilliseconds { get; set; } = 1_000;

    /// <summary>Orleans' service id: what survives a redeploy (grain state and reminders are keyed by it).</summary>
    public string ServiceId { get; set; } = "ttm";

    /// <summary>Orleans' cluster id: the silos and gateways that form one cluster.</summary>
    public string ClusterId { get; set; } = "ttm";

    /// <summary>A silo's port for silo-to-silo traffic.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>A silo's port for Orleans clients (the gateways).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and gateways reach this silo at (default 127.0.0.1; a pod's IP in Kubernetes).</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// Seconds between a silo's liveness probes of the others (Orleans' ProbeTimeout; its default is 10). A silo that
    /// misses <see cref="MissedProbes"/> in a row is suspected, and two suspicions declare it dead: only then are its
    /// generations driven on elsewhere, so this bounds what a SIGKILL costs a running generation.
    /// </summary>
    public double ProbeSeconds { get; set; } = 2;

    /// <summary>Missed probes in a row that make a silo suspect (Orleans' NumMissedProbesLimit, default 3).</summary>
    public int MissedProbes { get; set; } = 3;

    /// <summary>
    /// Without Redis: a folder for the embedded mode's state (grain state, event logs, tenant lists, reminders) in one SQLite
    /// database, kept across restarts (`./ttm serve` keeps it in artifacts/state); none: in this process's memory.
    /// </summary>
    public string? StateFolder { get; set; }

    /// <summary>
    /// The largest grain message body a host sends or accepts, in bytes (Orleans' MaxMessageBodySize, whose own default is
    /// 100 MiB). Grain messages carry keys and small records: frames, previews and chunks go through the artifact store, and
    /// the largest message of a generation at display 1024 is a few kB (`./ttm bench data-plane`). A message past this is a
    /// defect, and Orleans closes the connection that carried it rather than let it through.
    /// </summary>
    public int MaxMessageBytes { get; set; } = DefaultMaxMessageBytes;

    public const int DefaultMaxMessageBytes = 1 << 20;

    public bool UsesRedis => !string.IsNullOrWhiteSpace(Redis);

    /// <summary>The embedded mode keeps its state on disk (<see cref="StateFolder"/>) rather than in memory.</summary>
    public bool KeepsEmbeddedState => !UsesRedis && !string.IsNullOrWhiteSpace(StateFolder);

    /// <summary>Where the cluster keeps its state, as a log line or an error may say it: the Redis address without its password, or "embedded".</summary>
    public string Describe() => UsesRedis ? Redacted(Redis!) : KeepsEmbeddedState ? $"embedded, state in {StateFolder}" : "embedded, state in memory";

    /// <summary>
    /// A Redis connection string with every secret taken out (password, user, TLS keys), as StackExchange.Redis writes it
    /// without its password: the one way a connection string reaches a log, a console or an error message.
    /// </summary>
    public static string Redacted(string connectionString)
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(connectionString, ignoreUnknown: true).ToString(includePassword: false);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or NotSupportedException)
        {
            return "(a connection string that does not parse)";
        }
    }

    /// <summary>
    /// How a host's long-lived connection to <see cref="Redis"/> is made: it never fails to be made (it reconnects in the
    /// background, and a command waits for it), and a command is given 15 s, not StackExchange.Redis' 5 s: a loaded
    /// machine (every core busy denoising) answers late, and a late answer is no lost Redis.
    /// </summary>
    public StackExchange.Redis.ConfigurationOptions RedisConnection()
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(Redis ?? throw new SettingException($"{Section}:Redis is not set."));
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = Math.Max(options.ConnectTimeout, 15_000);
        options.SyncTimeout = Math.Max(options.SyncTimeout, 15_000);
        options.AsyncTimeout = Math.Max(options.AsyncTimeout, 15_000);
        return options;
    }
}

/// <summary>Says which cluster setting is wrong and what it may be.</summary>
public sealed class ClusterStoreOptionsValidator : IValidateOptions<ClusterStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterStoreOptions options)
    {
        const string Section = ClusterStoreOptions.Section;
        var problems = new List<string>();
        if (options.ProbeSeconds is not (> 0 and <= 60)) problems.Add($"{Section}:ProbeSeconds must lie in (0, 60], not {options.ProbeSeconds}.");
        if (options.MissedProbes is < 1 or > 10) problems.Add($"{Section}:MissedProbes must lie in 1..10, not {options.MissedProbes}.");
        if (options.MaxMessageBytes is < 64 << 10 or > 100 << 20)
            problems.Add($"{Section}:MaxMessageBytes must lie in 65536..104857600 (64 KiB to Orleans' 100 MiB), not {options.MaxMessageBytes}.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
