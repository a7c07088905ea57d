namespace Ttm.Grains;

/// <summary>The default store: a directory, keys as relative paths ("gen-1/previews/motion-004.png").</summary>
public sealed class DirectoryArtifactStore(string root) : IArtifactStore
{
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
        // A temp file of its own per writer (processes on a shared volume too), then an atomic rename: readers see the old file or the new one, never half of either.
        var temp = $"{path}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp";
        try
        {
            await File.WriteAllBytesAsync(temp, bytes, cancellationToken);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public bool Exists(string key) => File.Exists(PathOf(key));

    public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) throw new FileNotFoundException($"No artifact '{key}'.", key);
        return File.ReadAllBytesAsync(path, cancellationToken);
    }
}
