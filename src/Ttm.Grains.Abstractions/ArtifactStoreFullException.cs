namespace Ttm.Grains;

/// <summary>
/// The artifact store's volume has no space (or quota) left for a write: the write left nothing behind. Serialized as itself: it is thrown on the accelerator that wrote and caught by the grain, often on another silo.
/// An Exception, not an IOException: Orleans has no copier for IOException, and a call within one silo copies its result.
/// </summary>
[GenerateSerializer, Alias("ttm.artifact-store-full.v1")]
public sealed class ArtifactStoreFullException(string key, long bytes, Exception inner)
    : Exception($"{Lead}: {key} ({bytes:N0} bytes) could not be written. Free space on its volume or grow it.", inner)
{
    /// <summary>How every such message begins (<see cref="FailureCodes.Of"/> knows it by this once it crossed a silo).</summary>
    public const string Lead = "The artifact store is full";

    /// <summary>ENOSPC or EDQUOT (Linux errno, as .NET reports it), or Windows' disk-full codes.</summary>
    public static bool IsOutOfSpace(IOException e) => (e.HResult & 0xFFFF) is 28 or 122 or 0x27 or 0x70;
}
