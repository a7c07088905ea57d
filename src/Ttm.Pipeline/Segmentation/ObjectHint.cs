namespace Ttm.Pipeline.Segmentation;

/// <summary>
/// What the request says about one object: where it is (points, a box, or both) and, optionally, the path it is dragged
/// along (image pixels; <see cref="Ttm.Models.Generation.MotionPath"/>), which then replaces stage 1's motion for it.
/// </summary>
public sealed record ObjectHint(IReadOnlyList<PromptPoint> Points, PromptBox? Box = null, Ttm.Models.Generation.MotionPath? Path = null)
{
    /// <summary>Whether it says where the object is (else it only carries a path, and the object is found as without a hint).</summary>
    public bool Locates => Points.Count > 0 || Box is not null;

    public static ObjectHint At(float x, float y) => new([new PromptPoint(x, y)]);
    public static ObjectHint Boxed(float x0, float y0, float x1, float y1) => new([], new PromptBox(x0, y0, x1, y1));
}
