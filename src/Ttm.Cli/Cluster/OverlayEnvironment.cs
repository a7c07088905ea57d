namespace Ttm.Cli.Cluster;

/// <summary>
/// The variables deploy/k8s/overlays/cluster/env/*.env give each kind of host (embedded in this assembly), so the hosts
/// <see cref="LocalCluster"/> starts run with the settings the pods run with. What only a pod has (its volume paths,
/// every-interface listeners, fixed ports, the image's model folders) is replaced by this machine's own.
/// </summary>
public static class OverlayEnvironment
{
    /// <summary>The settings of a "gateway", "accelerator" or "plain" host: common.env, then its own files in the overlay's order.</summary>
    public static Dictionary<string, string> For(string host)
    {
        string[] files = host switch
        {
            "gateway" => ["common", "gateway"],
            "accelerator" or "plain" => ["common", "silo", host],
            _ => throw new ArgumentException($"No overlay settings for a '{host}' host (gateway, accelerator or plain).", nameof(host)),
        };
        var settings = new Dictionary<string, string>();
        foreach (var file in files)
            foreach (var (key, value) in Read(file)) settings[key] = value;
        return settings;
    }

    /// <summary>The overlay's settings with this machine's loopback listeners, free ports and local folders in place of a pod's.</summary>
    public static Dictionary<string, string> Local(string host, string artifacts)
    {
        var settings = For(host);
        settings["Ttm__Artifacts"] = artifacts;
        settings["Ttm__Listen__AnyAddress"] = "false";
        foreach (var key in new[] { "Ttm__Listen__Port", "Ttm__Listen__OpsPort", "Ttm__Listen__HttpPort", "Ttm__Cluster__SiloPort", "Ttm__Cluster__GatewayPort" })
            settings.Remove(key); // the host's command line gives free ones
        // The image's model folders become this checkout's (or the host's own default, which says what is missing).
        settings.Remove("Ttm__Models");
        settings.Remove("Ttm__Segmenter");
        return settings;
    }

    /// <summary>KEY=VALUE lines of one env file; blank lines and # comments skipped.</summary>
    public static IEnumerable<(string Key, string Value)> Read(string file)
    {
        using var stream = typeof(OverlayEnvironment).Assembly.GetManifestResourceStream($"overlay-env/{file}.env")
            ?? throw new InvalidOperationException($"overlay-env/{file}.env is not embedded in {typeof(OverlayEnvironment).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int equals = line.IndexOf('=');
            if (equals <= 0) throw new InvalidDataException($"{file}.env: '{line}' is not KEY=VALUE.");
            yield return (line[..equals], line[(equals + 1)..]);
        }
    }
}
