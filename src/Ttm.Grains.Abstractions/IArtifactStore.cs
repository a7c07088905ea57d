namespace Ttm.Grains;

/// <summary>Where large payloads live (input images, previews, chunks, videos); events refer to them by key.</summary>
public interface IArtifactStore
{
    Task PutAsync(string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);
    Task<byte[]> GetAsync(string key, CancellationToken cancellationToken);
    bool Exists(string key);
    /// <summary>A local path for a key, for tools that write files themselves (the encoder).</summary>
    string PathOf(string key);
    /// <summary>The key of a local path inside the store.</summary>
    string KeyOf(string path);
    /// <summary>Bytes stored under a key prefix (a generation's folder: "gen-1").</summary>
    long SizeOf(string prefix);
    /// <summary>Removes everything under a key prefix; returns the bytes freed.</summary>
    long Delete(string prefix);
    /// <summary>Removes writers' temp files older than <paramref name="age"/> (their process died between write and rename); returns how many.</summary>
    int SweepTempFiles(TimeSpan age);
}
