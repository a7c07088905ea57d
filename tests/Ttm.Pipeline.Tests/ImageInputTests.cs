using SkiaSharp;
using Ttm.Pipeline.Images;

namespace Ttm.Pipeline.Tests;

public sealed class ImageInputTests
{
    /// <summary>A 40×20 JPEG: red left half, blue right half.</summary>
    static byte[] Jpeg()
    {
        using var bitmap = new SKBitmap(40, 20);
        for (int y = 0; y < 20; y++)
        for (int x = 0; x < 40; x++)
            bitmap.SetPixel(x, y, x < 20 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        return data.ToArray();
    }

    /// <summary>Inserts an EXIF APP1 segment with one IFD entry, Orientation (0x0112) = <paramref name="orientation"/>, after SOI.</summary>
    static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8,           // big-endian TIFF header, IFD at 8
            0, 1,                                               // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0, // Orientation, SHORT, 1
            0, 0, 0, 0,                                         // no next IFD
        ];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        int length = payload.Length + 2;
        var app1 = new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length }.Concat(payload);
        return jpeg.Take(2).Concat(app1).Concat(jpeg.Skip(2)).ToArray();
    }

    [Fact]
    public void Decode_HonoursExifOrientation()
    {
        var plain = ImageInput.Decode(Jpeg());
        Assert.Equal((40, 20), (plain.Width, plain.Height));

        // Orientation 6: the stored image must be turned 90° clockwise to be upright.
        var rotated = ImageInput.Decode(WithExifOrientation(Jpeg(), 6));
        Assert.Equal((20, 40), (rotated.Width, rotated.Height));
        Assert.True(rotated[10, 5].R > 200 && rotated[10, 5].B < 60, "the red half should be on top after turning clockwise");
        Assert.True(rotated[10, 35].B > 200 && rotated[10, 35].R < 60, "the blue half should be at the bottom");
    }

    [Fact]
    public void ClaimedSize_ReadsPngAndJpegHeadersWithoutDecoding()
    {
        Assert.Equal((40, 20), ImageHeader.ClaimedSize(Jpeg()));
        using var bitmap = new SKBitmap(7, 3);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        Assert.Equal((7, 3), ImageHeader.ClaimedSize(png.ToArray()));
        Assert.Null(ImageHeader.ClaimedSize("not an image"u8));
    }

    [Fact]
    public void FitTo_CropsTheCentreToTheModelsAspectThenResizes()
    {
        var image = ImageInput.Decode(Jpeg()); // 40×20, red | blue
        var fitted = ImageInput.FitTo(image, 8, 8); // centre 20×20 crop: red left, blue right
        Assert.Equal((8, 8), (fitted.Width, fitted.Height));
        Assert.True(fitted[1, 4].R > 200 && fitted[6, 4].B > 200);
        Assert.Equal((10, 0, 20, 20), ImageInput.CropBox(40, 20, 8, 8));
    }

    /// <summary>A large image, red left half and blue right half, drawn with a canvas (fast at any size).</summary>
    static byte[] Halves(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.DrawRect(0, 0, width / 2f, height, new SKPaint { Color = new SKColor(255, 0, 0) });
            canvas.DrawRect(width / 2f, 0, width / 2f, height, new SKPaint { Color = new SKColor(0, 0, 255) });
        }
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    public void ALargeUpload_IsDecodedAtTheSizeTheModelsUse_NotInFull(SKEncodedImageFormat format)
    {
        var bytes = Halves(7200, 4800, format); // 34.6 MP: a full-size RGB copy alone would be 104 MB
        long before = GC.GetAllocatedBytesForCurrentThread();
        var image = ImageInput.Decode(bytes);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(Math.Max(image.Width, image.Height), ImageInput.DecodeSide / 2, ImageInput.DecodeSide * 2);
        Assert.Equal(7200.0 / 4800, image.Width / (double)image.Height, 2);
        Assert.True(allocated < 40_000_000, $"decoding allocated {allocated / 1_000_000} MB");
        var (r, _, b) = image[image.Width / 4, image.Height / 2];
        Assert.True(r > 200 && b < 50, $"left half ({r}, ?, {b})");
        (r, _, b) = image[image.Width * 3 / 4, image.Height / 2];
        Assert.True(b > 200 && r < 50, $"right half ({r}, ?, {b})");
    }

    [Fact]
    public void ASmallUpload_IsDecodedPixelForPixel()
    {
        var image = ImageInput.Decode(Halves(300, 200, SKEncodedImageFormat.Png));
        Assert.Equal((300, 200), (image.Width, image.Height));
        Assert.Equal(((byte)255, (byte)0, (byte)0), image[10, 10]);
    }
}
