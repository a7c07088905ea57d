using Microsoft.Extensions.Configuration;

namespace Ttm.Grains;

/// <summary>
/// Ttm:Cluster (env Ttm__Cluster__Redis, …): where the cluster keeps membership, grain state, reminders and the
/// generations' event logs. Without <see cref="Redis"/> every host is the embedded default: one process,
/// localhost clustering, memory storage, nothing else to run.
/// </summary>
public sealed class ClusterStoreOptions
{
    public const string Section = "Ttm:Cluster";

    /// <summary>A StackExchange.Redis connection string, e.g. "127.0.0.1:6379"; none for the embedded default.</summary>
    public string? Redis { get; set; }

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

    public bool UsesRedis => !string.IsNullOrWhiteSpace(Redis);

    /// <summary>The settings as hosts need them while they are being built, before the container exists.</summary>
    public static ClusterStoreOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ClusterStoreOptions>() ?? new ClusterStoreOptions();
}
