using System.Text.Json;
using System.Text.Json.Serialization;
using SkiaSharp;

namespace Ttm.Training.World;

/// <summary>Truth of one case as stored in truth.json (snake_case keys).</summary>
public sealed record CaseTruth(
    long Seed, int Frames, int Height, int Width, string Caption, string MotionPrompt, string Background,
    IReadOnlyList<ObjectTruth> Objects, string? FramesDirectory);

/// <summary>Per object: name, colour, motion label, per-frame centroid [x, y] and box [x0, y0, x1, y1].</summary>
public sealed record ObjectTruth(
    string Name, string Colour, string Shape, string Size, string Motion, string Speed, string LocalPrompt,
    float[][] Centroids, int[][] Boxes);

/// <summary>
/// The benchmark's input format, one folder per case: image.png (first frame), prompt.txt (the caption),
/// truth.json (<see cref="CaseTruth"/>), and optionally frames/frame_TTT.png + frames/mask_TTT.png
/// (mask pixels: grey level = object id). Anyone can write cases in this format and score them.
/// </summary>
public static class CaseFolder
{
    public const string ImageFile = "image.png";
    public const string PromptFile = "prompt.txt";
    public const string TruthFile = "truth.json";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static CaseTruth Truth(WorldCase c, string? framesDirectory) => new(
        c.Seed, c.Frames, c.Height, c.Width, c.Caption, c.MotionPrompt, c.Background,
        c.Objects.Select(o => new ObjectTruth(o.Name, o.Colour, o.Shape, o.Size, o.Motion, o.Speed, o.LocalPrompt, o.Centroids, o.Boxes)).ToList(),
        framesDirectory);

    public static void Write(WorldCase c, string directory, bool withFrames)
    {
        Directory.CreateDirectory(directory);
        WritePng(Path.Combine(directory, ImageFile), c.Width, c.Height, (x, y) => Rgb(c, 0, x, y));
        File.WriteAllText(Path.Combine(directory, PromptFile), c.Caption + "\n");
        string? frames = null;
        if (withFrames)
        {
            frames = "frames";
            Directory.CreateDirectory(Path.Combine(directory, frames));
            for (int t = 0; t < c.Frames; t++)
            {
                int frame = t;
                WritePng(Path.Combine(directory, frames, $"frame_{t:D3}.png"), c.Width, c.Height, (x, y) => Rgb(c, frame, x, y));
                WritePng(Path.Combine(directory, frames, $"mask_{t:D3}.png"), c.Width, c.Height, (x, y) =>
                {
                    byte id = (byte)c.Label(frame, y, x);
                    return (id, id, id);
                });
            }
        }
        File.WriteAllText(Path.Combine(directory, TruthFile), JsonSerializer.Serialize(Truth(c, frames), Json));
    }

    public static CaseTruth ReadTruth(string directory)
    {
        var file = Path.Combine(directory, TruthFile);
        if (!File.Exists(file)) throw new FileNotFoundException($"Case folder '{directory}' has no {TruthFile}.", file);
        return JsonSerializer.Deserialize<CaseTruth>(File.ReadAllText(file), Json)
               ?? throw new InvalidDataException($"'{file}' is empty.");
    }

    static (byte R, byte G, byte B) Rgb(WorldCase c, int t, int x, int y) =>
        (ToByte(c.Pixel(t, y, x, 0)), ToByte(c.Pixel(t, y, x, 1)), ToByte(c.Pixel(t, y, x, 2)));

    static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round(v * 255f), 0, 255);

    public static void WritePng(string file, int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            var (r, g, b) = pixel(x, y);
            bitmap.SetPixel(x, y, new SKColor(r, g, b));
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var stream = File.Create(file);
        data.SaveTo(stream);
    }
}
