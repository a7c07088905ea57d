using static TorchSharp.torch;

namespace Ttm.Models;

/// <summary>Conversions between the networks' tensors (values in [-1, 1]) and plain pixel arrays.</summary>
public static class VideoTensors
{
    /// <summary>(1, 3, T, H, W) in [-1, 1] → floats (T, H, W, 3) in [0, 1].</summary>
    public static float[] ToUnitPixels(Tensor video)
    {
        using var scope = NewDisposeScope();
        return ((video + 1f) / 2f).clamp(0f, 1f).squeeze(0).permute(1, 2, 3, 0).contiguous().cpu().data<float>().ToArray();
    }

    /// <summary>8-bit RGB rows (H, W, 3) → (1, 3, H, W) in [-1, 1].</summary>
    public static Tensor FromRgb(byte[] rgb, int width, int height)
    {
        using var scope = NewDisposeScope();
        var image = tensor(rgb, [1, height, width, 3]).to(ScalarType.Float32).permute(0, 3, 1, 2) / 127.5f - 1f;
        return image.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Object ids (H, W) → s(0) painted with the trajectory palette, (1, 3, H, W).</summary>
    public static Tensor PaintFirstMasks(int[] labels, int width, int height)
    {
        using var scope = NewDisposeScope();
        var ids = tensor(labels.Select(l => (long)l).ToArray(), [1, 1, height, width]);
        return TrajectoryPalette.Paint(ids).select(2, 0).contiguous().MoveToOuterDisposeScope();
    }
}
