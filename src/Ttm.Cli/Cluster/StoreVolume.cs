using System.Diagnostics;

namespace Ttm.Cli.Cluster;

/// <summary>
/// A tmpfs of a few megabytes mounted over a cluster's artifact store (mount needs root), so that the store's volume can
/// be filled under running generations and freed again; unmounted on dispose, after the hosts that held it open stopped.
/// </summary>
public sealed class StoreVolume : IAsyncDisposable
{
    readonly string path;

    StoreVolume(string path) => this.path = path;

    public static async Task<StoreVolume> MountAsync(string path, int megabytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(path);
        var (code, error) = await RunAsync("mount", ["-t", "tmpfs", "-o", $"size={megabytes}m,mode=0755", "tmpfs", path], cancellationToken);
        if (code != 0) throw new InvalidOperationException($"mount tmpfs on {path} failed ({code}): {error} The full-disk scenario mounts a tmpfs and needs root.");
        return new StoreVolume(path);
    }

    /// <summary>Writes zeros into a new file at <paramref name="file"/> until the volume refuses: the volume is then full.</summary>
    public static void Fill(string file)
    {
        var block = new byte[256 * 1024];
        using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true) stream.Write(block);
        }
        catch (IOException) { } // ENOSPC: full
    }

    public async ValueTask DisposeAsync()
    {
        if ((await RunAsync("umount", [path], CancellationToken.None)).Code != 0) await RunAsync("umount", ["-l", path], CancellationToken.None);
    }

    static async Task<(int Code, string Error)> RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await error).Trim());
    }
}
