using static TorchSharp.torch;

namespace Ttm.Models;

/// <summary>
/// Motion as dense optical flow from the first frame, the representation of the paper's Table 4 that masks are
/// compared with: per frame t and first-frame pixel p, where p has moved to by frame t, (Δx, Δy), in units of
/// <see cref="PixelsPerUnit"/> pixels per 32 across (so that the world's fastest motion over 8 frames stays inside
/// [-1, 1]); the third channel is zero, so flow has the trajectory's (1, 3, T, H, W) shape and the same networks read it.
/// </summary>
public static class MotionFlow
{
    /// <summary>Pixels (at 32 across) that one unit of flow stands for.</summary>
    public const float PixelsPerUnit = 12f;

    /// <summary>
    /// The flow of objects that translate rigidly: every first-frame pixel of object l (label l, 1-based) moves by
    /// t·<paramref name="perFrame"/>[l − 1] by frame t; the background and frame 0 do not move.
    /// </summary>
    /// <param name="firstLabels">(H·W) object label per first-frame pixel, 0 for the background</param>
    /// <param name="perFrame">per object, its displacement per frame in pixels</param>
    /// <returns>(1, 3, T, H, W)</returns>
    public static Tensor FromTranslations(int[] firstLabels, IReadOnlyList<(float Dx, float Dy)> perFrame, int frames, int height, int width)
    {
        if (firstLabels.Length != height * width)
            throw new ArgumentException($"{firstLabels.Length} labels do not cover a {height}×{width} frame.", nameof(firstLabels));
        float unit = PixelsPerUnit * width / 32f;
        var flow = new float[3 * frames * height * width];
        for (int t = 1; t < frames; t++)
            for (int i = 0; i < firstLabels.Length; i++)
            {
                int label = firstLabels[i];
                if (label <= 0 || label > perFrame.Count) continue;
                var (dx, dy) = perFrame[label - 1];
                flow[(0 * frames + t) * height * width + i] = t * dx / unit;
                flow[(1 * frames + t) * height * width + i] = t * dy / unit;
            }
        return tensor(flow, [1, 3, frames, height, width]);
    }

    /// <summary>Where object l's first-frame pixels have moved by the last frame, on average, in pixels (NaN when it has none).</summary>
    /// <param name="flow">(3·T·H·W) a flow laid out (C, T, H, W)</param>
    public static (float Dx, float Dy) MeanDisplacement(float[] flow, int[] firstLabels, int label, int frames, int height, int width)
    {
        float unit = PixelsPerUnit * width / 32f;
        double sx = 0, sy = 0;
        int n = 0, last = frames - 1;
        for (int i = 0; i < firstLabels.Length; i++)
        {
            if (firstLabels[i] != label) continue;
            sx += flow[(0 * frames + last) * height * width + i];
            sy += flow[(1 * frames + last) * height * width + i];
            n++;
        }
        return n == 0 ? (float.NaN, float.NaN) : ((float)(sx / n * unit), (float)(sy / n * unit));
    }
}
