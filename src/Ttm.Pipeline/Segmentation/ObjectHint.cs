namespace Ttm.Pipeline.Segmentation;

/// <summary>What the request says about where one object is: points, a box, or both.</summary>
public sealed record ObjectHint(IReadOnlyList<PromptPoint> Points, PromptBox? Box = null)
{
    public static ObjectHint At(float x, float y) => new([new PromptPoint(x, y)]);
    public static ObjectHint Boxed(float x0, float y0, float x1, float y1) => new([], new PromptBox(x0, y0, x1, y1));
}
