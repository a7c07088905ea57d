using System.Diagnostics;
using System.Diagnostics.Metrics;
using Ttm.Grains;

namespace Ttm.Hosting;

/// <summary>
/// The default store: a directory, keys as relative paths ("gen-1/previews/motion-004.png"). With a meter factory it counts
/// the bytes written and read through it and the seconds each took (meter Ttm.Store): the data plane's cost, which
/// `./ttm bench data-plane` reads from each host's /metrics. Files the encoder writes itself (at <see cref="PathOf"/>) are not counted.
/// </summary>
public sealed class DirectoryArtifactStore(string root, IMeterFactory? meters = null) : IArtifactStore
{
    readonly StoreInstruments? instruments = meters is null ? null : new StoreInstruments(meters.Create("Ttm.Store"));

    public string Root { get; } = Path.GetFullPath(root);

    public string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(Root, key));
        if (!path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"Artifact key '{key}' leaves the store.", nameof(key));
        return path;
    }

    public string KeyOf(string path)
    {
        var key = Path.GetRelativePath(Root, Path.GetFullPath(path));
        return key.StartsWith("..", StringComparison.Ordinal) ? throw new ArgumentException($"'{path}' is not inside the store.", nameof(path)) : key;
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // A temp file of its own per writer (processes on a shared volume too), then an atomic rename: readers see the old file or the new one, never half of either;
        // a write the volume has no space for leaves nothing (the temp file goes) and says so (ArtifactStoreFullException).
        var temp = $"{path}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp";
        try
        {
            long started = Stopwatch.GetTimestamp();
            await File.WriteAllBytesAsync(temp, bytes, cancellationToken);
            File.Move(temp, path, overwrite: true);
            instruments?.Count("put", bytes.Length, started);
        }
        catch (IOException e) when (ArtifactStoreFullException.IsOutOfSpace(e))
        {
            throw new ArtifactStoreFullException(key, bytes.Length, e);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public bool Exists(string key) => File.Exists(PathOf(key));

    public long SizeOf(string prefix)
    {
        var path = PathOf(prefix);
        if (File.Exists(path)) return new FileInfo(path).Length;
        if (!Directory.Exists(path)) return 0;
        long bytes = 0;
        foreach (var file in new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            try { bytes += file.Length; }
            catch (FileNotFoundException) { } // renamed or removed while counted
        }
        return bytes;
    }

    public long Delete(string prefix)
    {
        var path = PathOf(prefix);
        long bytes = SizeOf(prefix);
        if (File.Exists(path)) File.Delete(path);
        else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        return bytes;
    }

    public int SweepTempFiles(TimeSpan age)
    {
        if (!Directory.Exists(Root)) return 0;
        int swept = 0;
        foreach (var file in new DirectoryInfo(Root).EnumerateFiles("*.tmp", SearchOption.AllDirectories))
            if (DateTime.UtcNow - file.LastWriteTimeUtc > age)
            {
                try { file.Delete(); swept++; }
                catch (IOException) { }
            }
        return swept;
    }

    public async Task<byte[]> GetAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) throw new FileNotFoundException($"No artifact '{key}'.", key);
        long started = Stopwatch.GetTimestamp();
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        instruments?.Count("get", bytes.Length, started);
        return bytes;
    }

    sealed class StoreInstruments(Meter meter)
    {
        readonly Counter<long> written = meter.CreateCounter<long>("ttm.store.written", "By", "Bytes written to the artifact store");
        readonly Counter<long> read = meter.CreateCounter<long>("ttm.store.read", "By", "Bytes read from the artifact store");
        readonly Histogram<double> seconds = meter.CreateHistogram<double>("ttm.store.duration", "s", "Seconds of one artifact store write or read");

        public void Count(string operation, long bytes, long started)
        {
            (operation == "put" ? written : read).Add(bytes);
            seconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
        }
    }
}
