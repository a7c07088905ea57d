using SkiaSharp;

namespace Ttm.Pipeline.Images;

/// <summary>Why an uploaded image was refused; the message says what to change.</summary>
public sealed class InvalidImageException(string message) : Exception(message);

/// <summary>A decoded upload, upright, as 8-bit RGB (H, W, 3) rows.</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels)
{
    public (byte R, byte G, byte B) this[int x, int y] => (Pixels[(y * Width + x) * 3], Pixels[(y * Width + x) * 3 + 1], Pixels[(y * Width + x) * 3 + 2]);
}

/// <summary>
/// Untrusted image bytes → an upright RGB image, with SkiaSharp. The header is read first and images that
/// claim absurd dimensions are refused before any pixel is decoded; EXIF orientation is honoured. Large uploads are
/// decoded to at most <see cref="DecodeSide"/> pixels a side (what the segmenter and the networks use is far less):
/// JPEG by its codec's native 1/2–1/8 scaling, so only the small bitmap is ever made; other formats in full once (SkiaSharp
/// has no scaled or row-by-row PNG decoding), then box-filtered before any copy, conversion or rotation. A host decodes
/// through its <see cref="ImageDecoders"/>, which run at most one decode per core at once.
/// </summary>
public static class ImageInput
{
    /// <summary>Largest accepted side and pixel count (a 40 MP photo passes; a decompression bomb does not).</summary>
    public const int MaxSide = 12_000;
    public const long MaxPixels = 40_000_000;
    public const int MaxBytes = 32 * 1024 * 1024;

    /// <summary>Longest side an upload is decoded at (the segmenter's input is 1024; the networks' a few dozen).</summary>
    public const int DecodeSide = 2048;

    /// <summary>Decodes at once, however many other decodes run (a host's go through its <see cref="ImageDecoders"/>).</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> bytes) => Decode(bytes, slots: null);

    /// <param name="slots">held while the pixels are decoded (after the header's checks), when given</param>
    internal static RgbImage Decode(ReadOnlySpan<byte> bytes, SemaphoreSlim? slots)
    {
        if (bytes.Length == 0) throw new InvalidImageException("The image is empty (0 bytes); send a PNG or JPEG file.");
        if (bytes.Length > MaxBytes) throw new InvalidImageException($"The image is {bytes.Length / (1024 * 1024)} MB; the limit is {MaxBytes / (1024 * 1024)} MB.");
        if (ImageHeader.ClaimedSize(bytes) is { } claimed) CheckSize(claimed.Width, claimed.Height);
        using var data = SKData.CreateCopy(bytes);
        using var stream = new SKMemoryStream(data);
        using var codec = SKCodec.Create(stream, out var result)
            ?? throw new InvalidImageException($"The bytes are not an image SkiaSharp can read ({result}); send a PNG or JPEG file.");
        var info = codec.Info;
        CheckSize(info.Width, info.Height);

        slots?.Wait();
        try
        {
            using var decoded = DecodeNative(codec, Factor(info.Width, info.Height));
            int factor = Factor(decoded.Width, decoded.Height);
            using var small = factor > 1 ? Shrink(decoded, factor) : null;
            var source = small ?? decoded;
            if (codec.EncodedOrigin == SKEncodedOrigin.TopLeft) return ToRgb(source);
            using var upright = Orient(source, codec.EncodedOrigin);
            return ToRgb(upright);
        }
        finally
        {
            slots?.Release();
        }
    }

    /// <summary>The image decoded natively at about 1/<paramref name="factor"/> where the codec can (JPEG), else in full.</summary>
    static SKBitmap DecodeNative(SKCodec codec, int factor)
    {
        var info = codec.Info;
        var size = factor > 1 ? codec.GetScaledDimensions(1f / factor) : new SKSizeI(info.Width, info.Height);
        var bitmap = new SKBitmap(new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Check(codec.GetPixels(bitmap.Info, bitmap.GetPixels()), bitmap);
        return bitmap;
    }

    /// <summary>Each <paramref name="factor"/>×<paramref name="factor"/> block averaged into one pixel.</summary>
    static SKBitmap Shrink(SKBitmap source, int factor)
    {
        int width = source.Width / factor, height = source.Height / factor;
        var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var input = source.GetPixelSpan();
        var output = target.GetPixelSpan();
        var sums = new int[width * 4];
        int n = factor * factor;
        for (int y = 0; y < height * factor; y++)
        {
            var row = input.Slice(y * source.RowBytes, source.Width * 4);
            for (int x = 0; x < width * factor; x++)
                for (int c = 0; c < 4; c++) sums[x / factor * 4 + c] += row[x * 4 + c];
            if (y % factor != factor - 1) continue;
            var outRow = output.Slice(y / factor * target.RowBytes, width * 4);
            for (int i = 0; i < sums.Length; i++) outRow[i] = (byte)(sums[i] / n);
            Array.Clear(sums);
        }
        return target;
    }

    static void Check(SKCodecResult status, SKBitmap bitmap)
    {
        if (status is SKCodecResult.Success) return;
        bitmap.Dispose();
        throw status == SKCodecResult.IncompleteInput
            ? new InvalidImageException("The image is truncated: its data ends before the last row; send the whole file.")
            : new InvalidImageException($"The image could not be decoded ({status}); the file may be corrupt.");
    }

    static int Factor(int width, int height) => (Math.Max(width, height) + DecodeSide - 1) / DecodeSide;

    static void CheckSize(int width, int height)
    {
        if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide || (long)width * height > MaxPixels)
            throw new InvalidImageException(
                $"The image claims {width}×{height} pixels; at most {MaxSide} pixels a side and {MaxPixels / 1_000_000} megapixels are accepted.");
    }

    /// <summary>Applies the EXIF orientation so the pixels are upright.</summary>
    static SKBitmap Orient(SKBitmap source, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return source.Copy();
        bool swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var rotated = new SKBitmap(swap ? source.Height : source.Width, swap ? source.Width : source.Height, source.ColorType, source.AlphaType);
        using var canvas = new SKCanvas(rotated);
        float w = source.Width, h = source.Height;
        var matrix = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
            _ => SKMatrix.Identity,
        };
        canvas.SetMatrix(matrix);
        canvas.DrawBitmap(source, 0, 0);
        return rotated;
    }

    static RgbImage ToRgb(SKBitmap bitmap)
    {
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            // Composite any transparency over black, as the trajectory background.
            int a = rgba[j + 3];
            rgb[i] = (byte)(rgba[j] * a / 255);
            rgb[i + 1] = (byte)(rgba[j + 1] * a / 255);
            rgb[i + 2] = (byte)(rgba[j + 2] * a / 255);
        }
        return new RgbImage(bitmap.Width, bitmap.Height, rgb);
    }

    /// <summary>
    /// The model's view: centre-crop to the model's aspect ratio (keeping the whole shorter side), then resize
    /// with high-quality filtering to width × height.
    /// </summary>
    public static RgbImage FitTo(RgbImage image, int width, int height)
    {
        var (x, y, w, h) = CropBox(image.Width, image.Height, width, height);
        return Resize(Crop(image, x, y, w, h), width, height);
    }

    /// <summary>Resizes the whole image (no crop) with high-quality filtering.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        if (image.Width == width && image.Height == height) return image;
        using var source = ToBitmap(image);
        using var target = source.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKCubicResampler.Mitchell));
        return ToRgb(target);
    }

    /// <summary>Cuts out the rectangle (x, y, w, h).</summary>
    public static RgbImage Crop(RgbImage image, int x, int y, int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (int row = 0; row < height; row++)
            Array.Copy(image.Pixels, ((y + row) * image.Width + x) * 3, pixels, row * width * 3, width * 3);
        return new RgbImage(width, height, pixels);
    }

    /// <summary>The centre crop (x, y, w, h) of a source that matches the target aspect ratio.</summary>
    public static (int X, int Y, int Width, int Height) CropBox(int sourceWidth, int sourceHeight, int width, int height)
    {
        double target = width / (double)height, source = sourceWidth / (double)sourceHeight;
        if (source > target)
        {
            int w = (int)Math.Round(sourceHeight * target);
            return ((sourceWidth - w) / 2, 0, w, sourceHeight);
        }
        int h = (int)Math.Round(sourceWidth / target);
        return (0, (sourceHeight - h) / 2, sourceWidth, h);
    }

    public static SKBitmap ToBitmap(RgbImage image)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var span = bitmap.GetPixelSpan();
        var pixels = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < image.Pixels.Length; i += 3, j += 4)
        {
            pixels[j] = image.Pixels[i];
            pixels[j + 1] = image.Pixels[i + 1];
            pixels[j + 2] = image.Pixels[i + 2];
            pixels[j + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        return bitmap;
    }

    public static byte[] EncodePng(RgbImage image)
    {
        using var bitmap = ToBitmap(image);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
