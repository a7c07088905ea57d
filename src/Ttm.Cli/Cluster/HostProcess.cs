using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Ttm.Cli.Cluster;

/// <summary>
/// One child process this program started (a silo, a gateway, Redis), known by its PID: its output is kept, it is
/// ready when a line says so, and it is stopped by that PID only (SIGTERM to drain, SIGKILL to kill).
/// </summary>
public sealed class HostProcess : IDisposable
{
    readonly Process process;
    readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly List<(DateTimeOffset At, string Line)> output = [];

    public string Name { get; }
    public int Pid => process.Id;
    public bool HasExited => process.HasExited;

    /// <summary>Its network namespace, where it runs in one (<see cref="NamespaceNetwork"/>); none: this machine's own network.</summary>
    public NetworkHost? Network { get; init; }

    /// <summary>The loopback port of its /healthz probes (and /metrics), where a host has one.</summary>
    public int? HealthPort { get; set; }

    HostProcess(string name, Process process, string readyText)
    {
        Name = name;
        this.process = process;
        void Read(string? line)
        {
            if (line is null) return;
            lock (output) output.Add((DateTimeOffset.UtcNow, line));
            if (line.Contains(readyText, StringComparison.Ordinal)) ready.TrySetResult();
        }
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"{name} (pid {Pid}) exited with {process.ExitCode} before it was ready:\n{Tail()}"));
    }

    /// <param name="readyText">the text of the line that says the process is ready</param>
    /// <remarks>
    /// The child runs in a session of its own (setsid execs it, keeping the PID): a Ctrl-C at the terminal reaches only
    /// this program, which then stops its children in order (gateways, silos, Redis last) instead of all at once.
    /// </remarks>
    /// <param name="network">a network namespace to run it in (the PID stays the program's own: <c>ip netns exec</c> execs it)</param>
    public static HostProcess Start(string name, string fileName, IEnumerable<string> arguments, string readyText, IDictionary<string, string>? environment = null,
        NetworkHost? network = null)
    {
        if (network is not null) (fileName, arguments) = NamespaceNetwork.InNamespace(network, fileName, arguments);
        var start = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(fileName);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        var process = new Process { StartInfo = start };
        var host = new HostProcess(name, process, readyText) { Network = network };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>A ttm verb (silo, gateway) in a child process: of <paramref name="program"/> (a ttm.dll), or of this same program.</summary>
    public static HostProcess StartTtm(string? program, string name, IEnumerable<string> arguments, string readyText, IDictionary<string, string>? environment = null,
        NetworkHost? network = null)
    {
        if (program is not null) return Start(name, "dotnet", arguments.Prepend(program), readyText, environment, network);
        var self = Environment.ProcessPath!;
        var prefix = Path.GetFileNameWithoutExtension(self) == "dotnet" ? new[] { typeof(HostProcess).Assembly.Location } : [];
        return Start(name, self, prefix.Concat(arguments), readyText, environment, network);
    }

    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await ready.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} (pid {Pid}) was not ready after {timeout.TotalSeconds:F0} s:\n{Tail()}");
        }
    }

    public string Tail(int lines = 30)
    {
        lock (output) return string.Join('\n', output.TakeLast(lines).Select(o => o.Line));
    }

    public IReadOnlyList<string> Output()
    {
        lock (output) return output.Select(o => o.Line).ToList();
    }

    /// <summary>Each line with when this program read it.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Line)> TimedOutput()
    {
        lock (output) return output.ToList();
    }

    /// <summary>SIGKILL: the process dies at once, as on a crashed node.</summary>
    public void Kill()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: false);
        process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod: the host drains and leaves; SIGKILL if it has not exited in <paramref name="grace"/>.</summary>
    /// <returns>whether it exited by itself within the grace</returns>
    public async Task<bool> TerminateAsync(TimeSpan grace)
    {
        if (process.HasExited) return true;
        SendSignal(process.Id, Sigterm);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            Kill();
            return false;
        }
    }

    public int? ExitCode => process.HasExited ? process.ExitCode : null;

    public void Dispose()
    {
        try { Kill(); }
        catch (InvalidOperationException) { } // never started or already reaped
        process.Dispose();
    }

    const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SendSignal(int pid, int signal);
}
