using System.Buffers.Binary;

namespace Ttm.Pipeline.Images;

/// <summary>
/// Reads the dimensions an image file claims from its header alone (PNG IHDR, JPEG SOFn, GIF logical screen),
/// so that a decompression bomb is refused before any decoder allocates for it. The gateway compiles this same file
/// to check an upload before it stores anything.
/// </summary>
public static class ImageHeader
{
    /// <summary>Whether the bytes start like a PNG, JPEG, GIF, WebP or BMP file (what the decoder reads).</summary>
    public static bool HasImageSignature(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        || bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])
        || bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8)
        || (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes.Slice(8, 4).SequenceEqual("WEBP"u8))
        || (bytes.Length >= 26 && bytes.StartsWith("BM"u8));

    public static (int Width, int Height)? ClaimedSize(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 24 && bytes[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && bytes.Slice(12, 4).SequenceEqual("IHDR"u8))
            return (Clamp(BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(16, 4))), Clamp(BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(20, 4))));
        if (bytes.Length >= 10 && (bytes[..6].SequenceEqual("GIF87a"u8) || bytes[..6].SequenceEqual("GIF89a"u8)))
            return (BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(6, 2)), BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(8, 2)));
        if (bytes.Length >= 4 && bytes[0] == 0xFF && bytes[1] == 0xD8)
            return JpegSize(bytes);
        return null;
    }

    static int Clamp(uint v) => v > int.MaxValue ? int.MaxValue : (int)v;

    static (int, int)? JpegSize(ReadOnlySpan<byte> bytes)
    {
        int i = 2;
        while (i + 9 < bytes.Length)
        {
            if (bytes[i] != 0xFF) { i++; continue; }
            byte marker = bytes[i + 1];
            if (marker == 0xFF) { i++; continue; }
            if (marker is 0xD8 or 0x01 || marker is >= 0xD0 and <= 0xD7) { i += 2; continue; }
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(i + 2, 2));
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                return (BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(i + 7, 2)), BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(i + 5, 2)));
            i += 2 + length;
        }
        return null;
    }
}
