using Ttm.Training.World;

namespace Ttm.Training.Benchmark;

/// <summary>
/// Metrics computed from a generated video against the truth (never from the model's own masks).
/// Videos are (T, H, W, 3) in [0, 1].
/// </summary>
public static class VideoMetrics
{
    /// <summary>RGB distance (in [0, 1] units) within which a pixel counts as the tracked object's colour.</summary>
    public const float ColourTolerance = 0.25f;
    /// <summary>A displacement shorter than this many pixels (at 32 pixels across) reads as "still".</summary>
    public const float StillPixels = 2.0f;

    /// <summary>An object followed through generated frames by its appearance: per frame centroid [x, y] (NaN if lost), pixel count, mean colour.</summary>
    public sealed record Track(float[][] Centroids, int[] Areas, float[][] Colours);

    /// <summary>The object's colour: mean first-frame colour under its first-frame mask.</summary>
    public static float[] ObjectColour(float[] firstFrame, int[] firstLabels, int id)
    {
        var sum = new double[3];
        int n = 0;
        for (int i = 0; i < firstLabels.Length; i++)
        {
            if (firstLabels[i] != id) continue;
            for (int c = 0; c < 3; c++) sum[c] += firstFrame[i * 3 + c];
            n++;
        }
        return n == 0 ? [float.NaN, float.NaN, float.NaN] : sum.Select(s => (float)(s / n)).ToArray();
    }

    public static Track TrackByColour(float[] video, int frames, int height, int width, float[] colour)
    {
        var centroids = new float[frames][];
        var areas = new int[frames];
        var colours = new float[frames][];
        for (int t = 0; t < frames; t++)
        {
            double sx = 0, sy = 0;
            var sum = new double[3];
            int n = 0;
            for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = ((t * height + y) * width + x) * 3;
                float dr = video[i] - colour[0], dg = video[i + 1] - colour[1], db = video[i + 2] - colour[2];
                if (dr * dr + dg * dg + db * db > ColourTolerance * ColourTolerance) continue;
                sx += x; sy += y; n++;
                sum[0] += video[i]; sum[1] += video[i + 1]; sum[2] += video[i + 2];
            }
            areas[t] = n;
            centroids[t] = n == 0 ? [float.NaN, float.NaN] : [(float)(sx / n), (float)(sy / n)];
            colours[t] = n == 0 ? [float.NaN, float.NaN, float.NaN] : sum.Select(s => (float)(s / n)).ToArray();
        }
        return new Track(centroids, areas, colours);
    }

    /// <summary>
    /// Reads a displacement as a motion label: shorter than <see cref="StillPixels"/> (scaled to the frame
    /// size) is "still", otherwise the nearest of the eight compass directions (±22.5°).
    /// </summary>
    public static string DirectionOf(float dx, float dy, int width)
    {
        float still = StillPixels * width / 32f;
        if (float.IsNaN(dx) || float.IsNaN(dy)) return "lost";
        if (MathF.Sqrt(dx * dx + dy * dy) < still) return "still";
        // Image y grows downward; angle 0 = right, 90 = up.
        double angle = Math.Atan2(-dy, dx) * 180 / Math.PI;
        int sector = (int)Math.Round(angle / 45.0);
        return (((sector % 8) + 8) % 8) switch
        {
            0 => "right",
            1 => "up-right",
            2 => "up",
            3 => "up-left",
            4 => "left",
            5 => "down-left",
            6 => "down",
            _ => "down-right",
        };
    }

    /// <summary>Centroid [x, y] of label <paramref name="id"/> in frame <paramref name="frame"/> of a label video (NaN if absent).</summary>
    public static float[] Centroid(int[] labels, int height, int width, int frame, int id)
    {
        double sx = 0, sy = 0;
        int n = 0;
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            if (labels[(frame * height + y) * width + x] == id) { sx += x; sy += y; n++; }
        return n == 0 ? [float.NaN, float.NaN] : [(float)(sx / n), (float)(sy / n)];
    }

    public static double Psnr(float[] a, float[] b, int offset = 0, int length = -1)
    {
        if (length < 0) length = a.Length - offset;
        double mse = 0;
        for (int i = offset; i < offset + length; i++) mse += (a[i] - b[i]) * (a[i] - b[i]);
        mse /= length;
        return mse <= 1e-10 ? 100.0 : 10 * Math.Log10(1.0 / mse);
    }

    /// <summary>Mean SSIM over frames and channels, 7×7 uniform window, C1 = 0.01², C2 = 0.03² (data range 1).</summary>
    public static double Ssim(float[] a, float[] b, int frames, int height, int width)
    {
        const int r = 3;
        const double c1 = 0.0001, c2 = 0.0009;
        double total = 0;
        int count = 0;
        for (int t = 0; t < frames; t++)
        for (int c = 0; c < 3; c++)
        for (int y = r; y < height - r; y++)
        for (int x = r; x < width - r; x++)
        {
            double ma = 0, mb = 0, va = 0, vb = 0, cov = 0;
            int n = 0;
            for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++)
            {
                int i = ((t * height + y + dy) * width + x + dx) * 3 + c;
                ma += a[i]; mb += b[i]; n++;
            }
            ma /= n; mb /= n;
            for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++)
            {
                int i = ((t * height + y + dy) * width + x + dx) * 3 + c;
                va += (a[i] - ma) * (a[i] - ma); vb += (b[i] - mb) * (b[i] - mb); cov += (a[i] - ma) * (b[i] - mb);
            }
            va /= n - 1; vb /= n - 1; cov /= n - 1;
            total += (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            count++;
        }
        return total / count;
    }

    /// <summary>Mean IoU over objects and frames (where the object is in either map) of two label videos.</summary>
    public static double MaskIou(int[] predicted, int[] truth, int frames, int objects)
    {
        int pixels = truth.Length / frames;
        double sum = 0;
        int n = 0;
        for (int t = 0; t < frames; t++)
        for (int l = 1; l <= objects; l++)
        {
            int inter = 0, union = 0;
            for (int i = t * pixels; i < (t + 1) * pixels; i++)
            {
                bool p = predicted[i] == l, q = truth[i] == l;
                if (p && q) inter++;
                if (p || q) union++;
            }
            if (union == 0) continue;
            sum += inter / (double)union;
            n++;
        }
        return n == 0 ? 1.0 : sum / n;
    }

    /// <summary>
    /// How stable an object's look stays: per frame exp(−‖colour_t − colour_0‖ / 0.1) × min(area)/max(area)
    /// against frame 0 of the generated video, averaged over frames 1..T−1 (0 where the object is lost).
    /// </summary>
    public static double AppearanceConsistency(Track track)
    {
        int frames = track.Areas.Length;
        if (track.Areas[0] == 0) return 0;
        double sum = 0;
        for (int t = 1; t < frames; t++)
        {
            if (track.Areas[t] == 0) continue;
            double d = Math.Sqrt(Enumerable.Range(0, 3).Sum(c => Math.Pow(track.Colours[t][c] - track.Colours[0][c], 2)));
            sum += Math.Exp(-d / 0.1) * Math.Min(track.Areas[t], track.Areas[0]) / (double)Math.Max(track.Areas[t], track.Areas[0]);
        }
        return sum / (frames - 1);
    }
}
