namespace Ttm.Pipeline.Images;

/// <summary>
/// A host's decodes of uploads (<see cref="ImageInput.Decode(ReadOnlySpan{byte})"/>), at most <c>slots</c> at once: each may hold a
/// full-size bitmap (up to <see cref="ImageInput.MaxPixels"/> × 4 bytes) while it runs. A host owns one; two hosts in one process
/// count their decodes apart.
/// </summary>
public sealed class ImageDecoders(int slots)
{
    // Only Wait and Release are used (never AvailableWaitHandle): nothing to dispose.
    readonly SemaphoreSlim free = new(Math.Max(1, slots));

    /// <summary>One decode per core at once.</summary>
    public static ImageDecoders OnePerCore() => new(Environment.ProcessorCount);

    /// <summary>Decodes as <see cref="ImageInput.Decode(ReadOnlySpan{byte})"/>, the pixels in one of this host's slots (the header is checked before waiting).</summary>
    public RgbImage Decode(ReadOnlySpan<byte> bytes) => ImageInput.Decode(bytes, free);
}
