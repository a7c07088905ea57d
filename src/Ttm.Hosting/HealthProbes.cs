namespace Ttm.Hosting;

/// <summary>
/// The probes every host answers over HTTP, anonymous (they say only Healthy or Unhealthy): a silo on its HTTP port, a
/// gateway on its ops port. Each path runs the health checks tagged with its name.
/// </summary>
public static class HealthProbes
{
    /// <summary>Started: an accelerator's networks loaded (Kubernetes holds the other probes until this passes).</summary>
    public const string Startup = "startup";
    /// <summary>Can serve: joined the cluster (an accelerator: networks loaded, device thread alive; a gateway: a silo answers).</summary>
    public const string Ready = "ready";
    /// <summary>Not wedged: restart it when this fails.</summary>
    public const string Live = "live";

    public static readonly string[] All = [Startup, Ready, Live];

    public static string PathOf(string probe) => $"/healthz/{probe}";
}
