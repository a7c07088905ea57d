namespace Ttm.Pipeline.Segmentation;

/// <summary>One mask over the image (row-major H × W), with SAM's predicted IoU.</summary>
public sealed record Mask(int Width, int Height, bool[] Pixels, float Score)
{
    public int Area => Pixels.Count(p => p);

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
