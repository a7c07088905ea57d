using Ttm.Training.World;

namespace Ttm.Training.Benchmark;

/// <summary>
/// A PNG a person can look at: one row per case, columns input | trajectory frames | generated frames |
/// true frames, each frame scaled up; a red cell marks an object whose direction was read wrong (left edge).
/// </summary>
public static class ContactSheet
{
    public static void Write(string file, IReadOnlyList<ScoredCase> cases, int scale = 3)
    {
        if (cases.Count == 0) return;
        var t = cases[0].Case.Truth;
        int cell = t.Width * scale + 2, columns = 1 + 3 * t.Frames, rows = cases.Count;
        int width = columns * cell, height = rows * (t.Height * scale + 2);
        var pixels = new (byte R, byte G, byte B)[width * height];

        void Blit(int row, int column, float[]? video, int frame)
        {
            if (video is null) return;
            int ox = column * cell, oy = row * (t.Height * scale + 2);
            for (int y = 0; y < t.Height * scale; y++)
            for (int x = 0; x < t.Width * scale; x++)
            {
                int i = ((frame * t.Height + y / scale) * t.Width + x / scale) * 3;
                pixels[(oy + y) * width + ox + x] = (ToByte(video[i]), ToByte(video[i + 1]), ToByte(video[i + 2]));
            }
        }

        for (int r = 0; r < rows; r++)
        {
            var s = cases[r];
            Blit(r, 0, s.Case.FirstFrame, 0);
            for (int f = 0; f < t.Frames; f++)
            {
                Blit(r, 1 + f, s.Trajectory, f);
                Blit(r, 1 + t.Frames + f, s.Video, f);
                Blit(r, 1 + 2 * t.Frames + f, s.Case.TrueFrames, f);
            }
            if (s.DirectionCorrect.Any(c => !c))
                for (int y = 0; y < t.Height * scale; y++)
                    pixels[(r * (t.Height * scale + 2) + y) * width] = (255, 0, 0);
        }
        CaseFolder.WritePng(file, width, height, (x, y) => pixels[y * width + x]);
    }

    static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round(v * 255f), 0, 255);
}
