using System.Diagnostics;
using System.Net;

namespace Ttm.Cli.Cluster;

/// <summary>
/// A network for one run's hosts, so that a host can be cut off without being killed: a Linux bridge in this (the root)
/// network namespace, and per host a network namespace joined to the bridge by a veth pair, all on one private /24
/// chosen for the run (10.x.y.0/24, one no interface here uses yet). The bridge holds .1 (the root namespace's own
/// address: the gateways and the tests' clients run there) and .254 (Redis' address alone, so that a host can be cut off
/// from Redis while it still reaches the gateways); the hosts get .2, .3, …. Every name carries the run's prefix.
/// <list type="bullet">
/// <item><see cref="Isolate"/>: the host's link goes down, cut off from everything (from the root side: it cannot undo it).</item>
/// <item><see cref="CutFrom"/>: a blackhole route in the host's namespace drops what it sends to one address.</item>
/// </list>
/// Each is undone by <see cref="Heal"/>. Disposing deletes the namespaces (their veths with them) and the bridge. It needs
/// root (CAP_NET_ADMIN) and iproute2's <c>ip</c>; <see cref="CreateAsync"/> says so plainly when either is missing.
/// </summary>
public sealed class NamespaceNetwork : IAsyncDisposable
{
    readonly List<NetworkHost> hosts = [];
    readonly string subnet; // "10.x.y."
    bool bridgeMade;

    /// <summary>This run's prefix of every name it makes (namespaces ttm-{Run}-…, links tb{Run}, tv{Run}…): short, for Linux' 15-character link names.</summary>
    public string Run { get; }
    string Bridge => $"tb{Run}";
    /// <summary>The root namespace's address on the bridge: where the hosts reach a gateway or the tests' clients.</summary>
    public IPAddress RootAddress => IPAddress.Parse(subnet + "1");
    /// <summary>Redis' own address on the bridge (<see cref="CutFrom"/> it cuts a host off from Redis only).</summary>
    public IPAddress RedisAddress => IPAddress.Parse(subnet + "254");
    public IReadOnlyList<NetworkHost> Hosts => hosts;

    NamespaceNetwork(string run, string subnet) => (Run, this.subnet) = (run, subnet);

    /// <summary>The bridge with its two addresses, on a /24 that no interface of this machine holds.</summary>
    public static async Task<NamespaceNetwork> CreateAsync(CancellationToken cancellationToken = default)
    {
        var taken = await IpAsync(["-o", "-4", "addr", "show"], cancellationToken);
        string run = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()[..5];
        string subnet;
        do subnet = $"10.{System.Security.Cryptography.RandomNumberGenerator.GetInt32(200, 250)}.{System.Security.Cryptography.RandomNumberGenerator.GetInt32(0, 256)}.";
        while (taken.Contains(" " + subnet, StringComparison.Ordinal));
        var network = new NamespaceNetwork(run, subnet);
        try
        {
            await IpAsync(["link", "add", network.Bridge, "type", "bridge"], cancellationToken);
            network.bridgeMade = true;
            await IpAsync(["addr", "add", $"{network.RootAddress}/24", "dev", network.Bridge], cancellationToken);
            await IpAsync(["addr", "add", $"{network.RedisAddress}/32", "dev", network.Bridge], cancellationToken);
            await IpAsync(["link", "set", network.Bridge, "up"], cancellationToken);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>A namespace for <paramref name="name"/>, joined to the bridge, with the next address on the /24.</summary>
    public async Task<NetworkHost> AddHostAsync(string name, CancellationToken cancellationToken = default)
    {
        int n = hosts.Count;
        if (n >= 250) throw new InvalidOperationException("A namespace network holds at most 250 hosts.");
        var host = new NetworkHost(name, $"ttm-{Run}-{n}", IPAddress.Parse(subnet + (n + 2)), $"tv{Run}{n}", $"tp{Run}{n}");
        await IpAsync(["netns", "add", host.Namespace], cancellationToken);
        hosts.Add(host); // from here on, disposing deletes it
        await IpAsync(["link", "add", host.RootLink, "type", "veth", "peer", "name", host.HostLink, "netns", host.Namespace], cancellationToken);
        await IpAsync(["link", "set", host.RootLink, "master", Bridge, "up"], cancellationToken);
        await IpAsync(["-n", host.Namespace, "addr", "add", $"{host.Address}/24", "dev", host.HostLink], cancellationToken);
        await IpAsync(["-n", host.Namespace, "link", "set", host.HostLink, "up"], cancellationToken);
        await IpAsync(["-n", host.Namespace, "link", "set", "lo", "up"], cancellationToken);
        return host;
    }

    /// <summary>Cuts <paramref name="host"/> off from everything: its veth's root end goes down, so nothing passes either way.</summary>
    public Task Isolate(NetworkHost host, CancellationToken cancellationToken = default) =>
        IpAsync(["link", "set", host.RootLink, "down"], cancellationToken);

    /// <summary>Cuts <paramref name="host"/> off from <paramref name="peer"/> only: what it sends there is dropped without a word, as in a partition.</summary>
    public async Task CutFrom(NetworkHost host, IPAddress peer, CancellationToken cancellationToken = default)
    {
        await IpAsync(["-n", host.Namespace, "route", "replace", "blackhole", $"{peer}/32"], cancellationToken);
        lock (host.Cuts) host.Cuts.Add(peer);
    }

    /// <summary>Undoes every cut of <paramref name="host"/>: its link up again, its blackhole routes gone.</summary>
    public async Task Heal(NetworkHost host, CancellationToken cancellationToken = default)
    {
        await IpAsync(["link", "set", host.RootLink, "up"], cancellationToken);
        List<IPAddress> cuts;
        lock (host.Cuts) (cuts, host.Cuts) = ([.. host.Cuts], []);
        foreach (var peer in cuts) await IpAsync(["-n", host.Namespace, "route", "del", "blackhole", $"{peer}/32"], cancellationToken);
    }

    /// <summary>
    /// The command line that runs <paramref name="fileName"/> in <paramref name="host"/>'s namespace: <c>ip netns exec</c>
    /// enters it and execs the program, so the process keeps the PID it was started with.
    /// </summary>
    public static (string FileName, IEnumerable<string> Arguments) InNamespace(NetworkHost host, string fileName, IEnumerable<string> arguments) =>
        ("ip", new[] { "netns", "exec", host.Namespace, fileName }.Concat(arguments));

    /// <summary>Deletes every namespace (their veths go with them) and the bridge; the processes inside must have stopped first.</summary>
    public async ValueTask DisposeAsync()
    {
        var errors = new List<string>();
        foreach (var host in hosts)
            try { await IpAsync(["netns", "del", host.Namespace], CancellationToken.None); }
            catch (InvalidOperationException e) { errors.Add(e.Message); }
        hosts.Clear();
        if (bridgeMade)
            try { await IpAsync(["link", "del", Bridge], CancellationToken.None); }
            catch (InvalidOperationException e) { errors.Add(e.Message); }
        bridgeMade = false;
        if (errors.Count > 0) throw new InvalidOperationException("The namespace network was not wholly removed:\n" + string.Join('\n', errors));
    }

    /// <summary>Runs <c>ip</c> with <paramref name="arguments"/>; throws with its error output when it fails.</summary>
    static async Task<string> IpAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("iproute2's `ip` is not installed (apt-get install iproute2): the partition tests need it.", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed ({process.ExitCode}): {(await error).Trim()}"
                    + (Environment.UserName == "root" ? "" : " (network namespaces need root, or CAP_NET_ADMIN and CAP_SYS_ADMIN)"));
            return await output;
        }
    }
}

/// <summary>One host's place in a <see cref="NamespaceNetwork"/>: its namespace, its address, its veth's two ends.</summary>
/// <param name="Name">the host's name (the process it will hold)</param>
/// <param name="RootLink">the veth end on the bridge, in the root namespace</param>
/// <param name="HostLink">the veth end inside the namespace, holding <paramref name="Address"/></param>
public sealed record NetworkHost(string Name, string Namespace, IPAddress Address, string RootLink, string HostLink)
{
    /// <summary>The peers it is cut off from now (blackhole routes).</summary>
    internal List<IPAddress> Cuts { get; set; } = [];
}
