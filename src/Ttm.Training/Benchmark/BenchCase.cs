using SkiaSharp;
using Ttm.Training.World;

namespace Ttm.Training.Benchmark;

/// <summary>
/// One scored case: the first frame and its instance masks (the inputs), the truth, and where known the true
/// frames and masks. Pixels are (T, H, W, 3) in [0, 1]; labels (T, H, W) with object ids in plan order.
/// </summary>
public sealed record BenchCase(string Name, CaseTruth Truth, float[] FirstFrame, int[] FirstLabels, float[]? TrueFrames, int[]? TrueLabels)
{
    public bool IsMulti => Truth.Objects.Count > 1;

    /// <summary>The same case with its plan (caption, motion and local prompts) said in <paramref name="phrasing"/>'s words.</summary>
    public BenchCase Reworded(Phrasing phrasing, Random random)
    {
        var plan = phrasing.Plan(random, Truth.Objects.Select(PhrasedObject.Of).ToList());
        var objects = Truth.Objects.Select((o, i) => o with { LocalPrompt = plan.LocalPrompts[i] }).ToList();
        return this with { Truth = Truth with { Caption = plan.Caption, MotionPrompt = plan.MotionPrompt, Objects = objects } };
    }

    public static BenchCase From(WorldCase c) => new(
        $"seed-{c.Seed}", CaseFolder.Truth(c, null),
        c.Pixels[..(c.Height * c.Width * 3)], c.Labels[..(c.Height * c.Width)], c.Pixels, c.Labels);

    /// <summary>Reads a case folder; the first-frame masks come from frames/mask_000.png (the benchmark scores the networks, not a segmenter).</summary>
    public static BenchCase Read(string directory)
    {
        var truth = CaseFolder.ReadTruth(directory);
        var (first, w, h) = ReadRgb(Path.Combine(directory, CaseFolder.ImageFile));
        if (w != truth.Width || h != truth.Height)
            throw new InvalidDataException($"{directory}: image.png is {w}×{h} but truth.json says {truth.Width}×{truth.Height}.");
        if (truth.FramesDirectory is null)
            throw new InvalidDataException($"{directory}: no frames directory with mask_000.png; the quality benchmark needs the first-frame masks.");
        var frames = Path.Combine(directory, truth.FramesDirectory);
        var pixels = new float[truth.Frames * h * w * 3];
        var labels = new int[truth.Frames * h * w];
        for (int t = 0; t < truth.Frames; t++)
        {
            ReadRgb(Path.Combine(frames, $"frame_{t:D3}.png")).Pixels.CopyTo(pixels, t * h * w * 3);
            var (mask, _, _) = ReadRgb(Path.Combine(frames, $"mask_{t:D3}.png"));
            for (int i = 0; i < h * w; i++) labels[t * h * w + i] = (int)MathF.Round(mask[i * 3] * 255f);
        }
        return new BenchCase(Path.GetFileName(directory), truth, first, labels[..(h * w)], pixels, labels);
    }

    static (float[] Pixels, int Width, int Height) ReadRgb(string file)
    {
        using var bitmap = SKBitmap.Decode(file) ?? throw new InvalidDataException($"'{file}' is not a readable image.");
        var pixels = new float[bitmap.Width * bitmap.Height * 3];
        for (int y = 0; y < bitmap.Height; y++)
        for (int x = 0; x < bitmap.Width; x++)
        {
            var c = bitmap.GetPixel(x, y);
            int i = (y * bitmap.Width + x) * 3;
            pixels[i] = c.Red / 255f;
            pixels[i + 1] = c.Green / 255f;
            pixels[i + 2] = c.Blue / 255f;
        }
        return (pixels, bitmap.Width, bitmap.Height);
    }
}
