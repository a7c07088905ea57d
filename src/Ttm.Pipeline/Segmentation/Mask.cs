namespace Ttm.Pipeline.Segmentation;

/// <summary>One mask over the image (row-major H × W), with SAM's predicted IoU.</summary>
public sealed record Mask(int Width, int Height, bool[] Pixels, float Score)
{
    public int Area => Pixels.AsSpan().Count(true);

    /// <summary>The tight box around the mask, in pixel edges (x0, y0, x1 + 1, y1 + 1).</summary>
    public PromptBox Bounds()
    {
        int x0 = Width, y0 = Height, x1 = -1, y1 = -1;
        for (int i = 0; i < Pixels.Length; i++)
        {
            if (!Pixels[i]) continue;
            int x = i % Width, y = i / Width;
            x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); x1 = Math.Max(x1, x); y1 = Math.Max(y1, y);
        }
        return new PromptBox(x0, y0, x1 + 1, y1 + 1);
    }

    /// <summary>
    /// A table, a wall, the sky, a uniform backdrop: a mask on 40 % or more of the image's outline, or on 90 % of its pixels.
    /// Objects, even a close-up's subject, touch the outline far less (measured on the test photographs: cup and saucer 0.10,
    /// the astronaut 0.13, against 0.6-0.8 for the coffee's table).
    /// </summary>
    public bool IsBackground => OutlineShare >= 0.4 || Area >= 0.9 * Pixels.Length;

    /// <summary>The share of the image's outline pixels (its four edges) inside the mask.</summary>
    public double OutlineShare
    {
        get
        {
            int inside = 0;
            for (int x = 0; x < Width; x++) inside += (Pixels[x] ? 1 : 0) + (Pixels[(Height - 1) * Width + x] ? 1 : 0);
            for (int y = 0; y < Height; y++) inside += (Pixels[y * Width] ? 1 : 0) + (Pixels[y * Width + Width - 1] ? 1 : 0);
            return inside / (2.0 * (Width + Height));
        }
    }

    public bool Contains(float x, float y)
    {
        int px = (int)x, py = (int)y;
        return px >= 0 && py >= 0 && px < Width && py < Height && Pixels[py * Width + px];
    }

    public double Iou(Mask other)
    {
        int inter = 0, union = 0;
        for (int i = 0; i < Pixels.Length; i++)
        {
            if (Pixels[i] && other.Pixels[i]) inter++;
            if (Pixels[i] || other.Pixels[i]) union++;
        }
        return union == 0 ? 0 : inter / (double)union;
    }
}
