namespace Ttm.Training.World;

/// <summary>One object of a case, with its truth over time.</summary>
public sealed record WorldObject(
    string Name,            // "red circle": colour + shape, how plans refer to it
    string Colour,
    string Shape,
    string Size,
    string Motion,          // a Vocabulary.Motions label
    string Speed,           // "slow" | "fast"
    string LocalPrompt,     // c_local for this object
    float[][] Centroids,    // per frame [x, y] of the visible mask (NaN when hidden)
    int[][] Boxes)          // per frame [x0, y0, x1, y1] inclusive (all −1 when hidden)
{
    /// <summary>How far the object moves each frame, in pixels of a <paramref name="height"/>×<paramref name="width"/> world (what <see cref="ShapesWorld"/> drew).</summary>
    public (float Dx, float Dy) PerFrame(int height, int width)
    {
        var motion = Vocabulary.Motions.Single(m => m.Label == Motion);
        float speed = Vocabulary.Speeds.Single(s => s.Name == Speed).PixelsPerFrame * Math.Min(height, width) / 32f;
        return (motion.Dx * speed, motion.Dy * speed);
    }
}

/// <summary>
/// One generated video of the shapes world with its truth: RGB frames in [0, 1] laid out (T, H, W, 3),
/// instance labels (T, H, W) with 0 = background and l = objects[l − 1], the caption, and the plan a perfect
/// planner would produce (motion prompt and per-object local prompts, objects in caption order).
/// </summary>
public sealed record WorldCase(
    long Seed,
    int Frames,
    int Height,
    int Width,
    float[] Pixels,
    int[] Labels,
    string Caption,
    string MotionPrompt,
    IReadOnlyList<WorldObject> Objects,
    string Background)
{
    public float Pixel(int t, int y, int x, int c) => Pixels[((t * Height + y) * Width + x) * 3 + c];
    public int Label(int t, int y, int x) => Labels[(t * Height + y) * Width + x];
}
