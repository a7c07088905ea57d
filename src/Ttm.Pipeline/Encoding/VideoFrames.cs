namespace Ttm.Pipeline.Encoding;

/// <summary>A short RGB video as 8-bit frames laid out (T, H, W, 3).</summary>
public sealed record VideoFrames(int Frames, int Width, int Height, byte[] Pixels)
{
    public int FrameBytes => Width * Height * 3;

    public ReadOnlySpan<byte> Frame(int t) => Pixels.AsSpan(t * FrameBytes, FrameBytes);

    /// <summary>From floats in [0, 1] laid out (T, H, W, 3).</summary>
    public static VideoFrames FromUnit(float[] pixels, int frames, int width, int height) =>
        new(frames, width, height, pixels.Select(v => (byte)Math.Clamp(MathF.Round(v * 255f), 0, 255)).ToArray());

    /// <summary>Paints the trajectory's non-black pixels over the frames at half strength.</summary>
    public VideoFrames Overlay(VideoFrames trajectory)
    {
        var pixels = (byte[])Pixels.Clone();
        for (int i = 0; i < pixels.Length; i += 3)
        {
            var (r, g, b) = (trajectory.Pixels[i], trajectory.Pixels[i + 1], trajectory.Pixels[i + 2]);
            if (r + g + b < 96) continue;
            pixels[i] = (byte)((pixels[i] + r) / 2);
            pixels[i + 1] = (byte)((pixels[i + 1] + g) / 2);
            pixels[i + 2] = (byte)((pixels[i + 2] + b) / 2);
        }
        return this with { Pixels = pixels };
    }

    /// <summary>Nearest-neighbour upscale by an integer factor (keeps masks crisp).</summary>
    public VideoFrames Upscale(int factor)
    {
        if (factor <= 1) return this;
        int w = Width * factor, h = Height * factor;
        var pixels = new byte[Frames * w * h * 3];
        for (int t = 0; t < Frames; t++)
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            int source = ((t * Height + y / factor) * Width + x / factor) * 3, target = ((t * h + y) * w + x) * 3;
            pixels[target] = Pixels[source];
            pixels[target + 1] = Pixels[source + 1];
            pixels[target + 2] = Pixels[source + 2];
        }
        return new VideoFrames(Frames, w, h, pixels);
    }

    /// <summary>All frames side by side as one image (a preview strip).</summary>
    public VideoFrames Strip()
    {
        int w = Width * Frames;
        var pixels = new byte[w * Height * 3];
        for (int t = 0; t < Frames; t++)
        for (int y = 0; y < Height; y++)
            Frame(t).Slice(y * Width * 3, Width * 3).CopyTo(pixels.AsSpan((y * w + t * Width) * 3));
        return new VideoFrames(1, w, Height, pixels);
    }
}
