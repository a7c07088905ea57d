using Ttm.Pipeline.Segmentation;

namespace Ttm.Pipeline;

/// <summary>s(0) at the model's resolution: object ids in plan order (0 = background).</summary>
public static class FirstFrameMasks
{
    /// <summary>
    /// Pools each object's mask (over the cropped image) to the model grid: a cell belongs to an object when at
    /// least half of it is covered; an object too small for any such cell keeps its best-covered cell.
    /// Larger objects are laid first so smaller ones stay visible where masks overlap.
    /// </summary>
    public static int[] ToModelGrid(IReadOnlyList<Mask?> masks, int width, int height)
    {
        var labels = new int[width * height];
        var order = Enumerable.Range(0, masks.Count).Where(i => masks[i] is not null).OrderByDescending(i => masks[i]!.Area);
        foreach (int i in order)
        {
            var mask = masks[i]!;
            var coverage = new double[width * height];
            var count = new int[width * height];
            for (int y = 0; y < mask.Height; y++)
            for (int x = 0; x < mask.Width; x++)
            {
                int cell = Math.Min(height - 1, y * height / mask.Height) * width + Math.Min(width - 1, x * width / mask.Width);
                count[cell]++;
                if (mask.Pixels[y * mask.Width + x]) coverage[cell]++;
            }
            int best = -1;
            bool any = false;
            for (int c = 0; c < labels.Length; c++)
            {
                double share = count[c] == 0 ? 0 : coverage[c] / count[c];
                if (share >= 0.5) { labels[c] = i + 1; any = true; }
                if (share > 0 && (best < 0 || share > coverage[best] / Math.Max(1, count[best]))) best = c;
            }
            if (!any && best >= 0) labels[best] = i + 1;
        }
        return labels;
    }
}
