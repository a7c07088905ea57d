using static TorchSharp.torch;

namespace Ttm.Models.Generation;

/// <summary>One point of a path an object is dragged along: when (0 the first frame, 1 the last), where, and how large.</summary>
/// <param name="T">the time over the clip, in [0, 1]</param>
/// <param name="X">the object's position, in the model grid's pixels</param>
/// <param name="Scale">its size relative to the first frame's (1: unchanged)</param>
public readonly record struct PathPoint(float T, float X, float Y, float Scale = 1f);

/// <summary>
/// A path of one object: points in time order, interpolated linearly to the frames. The object's first-frame mask moves
/// by where the path is against where it starts (a drag may begin anywhere on the object) and scales about its centroid;
/// before the first point it stays at the start, after the last at the end.
/// </summary>
public sealed record MotionPath(IReadOnlyList<PathPoint> Points)
{
    /// <summary>The displacement from the path's first point and the scale at time <paramref name="t"/>.</summary>
    public (float Dx, float Dy, float Scale) At(float t)
    {
        var first = Points[0];
        var (a, b) = (first, first);
        if (t >= Points[^1].T) a = b = Points[^1];
        else if (t > first.T)
            for (int i = 1; i < Points.Count; i++)
                if (t <= Points[i].T) { (a, b) = (Points[i - 1], Points[i]); break; }
        float w = b.T > a.T ? (t - a.T) / (b.T - a.T) : 0f;
        float Lerp(float u, float v) => u + (v - u) * w;
        return (Lerp(a.X, b.X) - first.X, Lerp(a.Y, b.Y) - first.Y, Lerp(a.Scale, b.Scale));
    }
}

/// <summary>
/// The mask trajectory ŝ from the user's paths instead of (or over) stage 1: each object with a path is its first-frame mask
/// moved and scaled along the path in every frame; objects without one come from stage 1's trajectory. Objects with paths
/// are drawn over the others, in plan order (a later object over an earlier one where they overlap). Stage 2 reads the
/// result as it reads stage 1's: it was trained on true mask trajectories, which is what a path draws.
/// </summary>
/// <param name="firstLabels">s(0) as ids on the model grid (H·W, row-major): 0 background, object i + 1 for plan object i</param>
/// <param name="paths">per plan object, its path or null</param>
public sealed class MotionPaths(int[] firstLabels, int width, int height, IReadOnlyList<MotionPath?> paths)
{
    /// <summary>Every plan object has a path: stage 1 is not run at all.</summary>
    public bool CoversEveryObject => paths.Count > 0 && paths.All(p => p is not null);

    /// <summary>The trajectory: <paramref name="generated"/> (stage 1's, or none when every object has a path) with the paths drawn over it.</summary>
    /// <param name="generated">(1, 3, T, H, W) in [-1, 1], or null</param>
    /// <returns>(1, 3, T, H, W) in [-1, 1] on the CPU, painted with <see cref="TrajectoryPalette"/></returns>
    public Tensor Draw(Tensor? generated, int frames)
    {
        using var scope = NewDisposeScope();
        var ids = new long[frames * height * width]; // (T, H, W)
        if (generated is not null)
        {
            using var read = TrajectoryPalette.Read(generated.cpu(), paths.Count); // (1, T, H, W)
            read.data<long>().CopyTo(ids, 0);
            for (int i = 0; i < ids.Length; i++)
                if (ids[i] > 0 && paths[(int)ids[i] - 1] is not null) ids[i] = 0; // this object follows its path instead
        }
        else
            for (int f = 0; f < frames; f++)
                for (int p = 0; p < width * height; p++)
                    if (firstLabels[p] > 0 && paths[firstLabels[p] - 1] is null) ids[f * width * height + p] = firstLabels[p]; // stays where it is
        for (int k = 0; k < paths.Count; k++)
            if (paths[k] is { } path) DrawObject(ids, k + 1, path, frames);
        return TrajectoryPalette.Paint(tensor(ids, [1, frames, height, width])).MoveToOuterDisposeScope();
    }

    /// <summary>Paints object <paramref name="id"/> into every frame at its place along <paramref name="path"/> (nearest source pixel).</summary>
    void DrawObject(long[] ids, int id, MotionPath path, int frames)
    {
        var pixels = Enumerable.Range(0, width * height).Where(p => firstLabels[p] == id).ToList();
        if (pixels.Count == 0) return; // not found in the first frame: nothing to move
        float cx = (float)pixels.Average(p => p % width), cy = (float)pixels.Average(p => p / width);
        for (int f = 0; f < frames; f++)
        {
            var (dx, dy, scale) = path.At(frames == 1 ? 0f : f / (float)(frames - 1));
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int sx = (int)MathF.Round(cx + (x - cx - dx) / scale), sy = (int)MathF.Round(cy + (y - cy - dy) / scale);
                    if (sx >= 0 && sx < width && sy >= 0 && sy < height && firstLabels[sy * width + sx] == id)
                        ids[(f * height + y) * width + x] = id;
                }
        }
    }
}
