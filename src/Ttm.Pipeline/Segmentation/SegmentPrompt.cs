namespace Ttm.Pipeline.Segmentation;

/// <summary>A point in image pixels; <paramref name="Include"/> false marks background (SAM label 0).</summary>
public sealed record PromptPoint(float X, float Y, bool Include = true);

/// <summary>A box in image pixels (x0, y0) – (x1, y1).</summary>
public sealed record PromptBox(float X0, float Y0, float X1, float Y1);
