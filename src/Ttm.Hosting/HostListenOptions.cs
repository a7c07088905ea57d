namespace Ttm.Hosting;

/// <summary>
/// Ttm:Listen (env Ttm__Listen__Port, …): where a host's own listeners are. A gateway: gRPC on <see cref="Port"/>
/// (default 5080), operations (/metrics, /dashboard, /healthz) on <see cref="OpsPort"/> (default 5081), and HTTP/1.1 for
/// apps (the REST videos API, its OpenAPI document and the live page) on <see cref="HttpPort"/> (default 5082). A silo:
/// /metrics and /healthz on <see cref="Port"/> (default any free one). Loopback only unless <see cref="AnyAddress"/>.
/// </summary>
public sealed class HostListenOptions
{
    public const string Section = "Ttm:Listen";

    public int? Port { get; set; }

    public int? OpsPort { get; set; }

    /// <summary>A gateway's REST API and page (HTTP/1.1; the gRPC port is HTTP/2 only).</summary>
    public int? HttpPort { get; set; }

    /// <summary>Listen on every interface (a pod), not only loopback.</summary>
    public bool AnyAddress { get; set; }
}

/// <summary>Says which listener setting is wrong.</summary>
public sealed class HostListenOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<HostListenOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, HostListenOptions options)
    {
        var problems = new[] { ("Port", options.Port), ("OpsPort", options.OpsPort), ("HttpPort", options.HttpPort) }
            .Where(p => p.Item2 is < 0 or > 65535)
            .Select(p => $"{HostListenOptions.Section}:{p.Item1} must be a TCP port (0..65535, 0 for any free one), not {p.Item2}.").ToList();
        return problems.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems);
    }
}
