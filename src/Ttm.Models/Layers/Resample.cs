using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ttm.Models.Layers;

/// <summary>Halves each frame's height and width: a 3×3 convolution with stride 2 (the U-Net's encoder between levels).</summary>
public sealed class Downsampler : nn.Module
{
    readonly Conv2d conv;

    public Downsampler(string name, int channels) : base(name)
    {
        conv = nn.Conv2d(channels, channels, 3, stride: 2, padding: 1);
        RegisterComponents();
    }

    /// <param name="x">(B·T, C, H, W)</param>
    /// <returns>(B·T, C, H/2, W/2)</returns>
    public Tensor forward(Tensor x) => conv.forward(x);
}

/// <summary>Doubles each frame's height and width: nearest-neighbour, then a 3×3 convolution (the U-Net's decoder between levels).</summary>
public sealed class Upsampler : nn.Module
{
    readonly Conv2d conv;

    public Upsampler(string name, int channels) : base(name)
    {
        conv = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <param name="x">(B·T, C, H, W)</param>
    /// <returns>(B·T, C, 2H, 2W)</returns>
    public Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        // Each pixel copied to a 2×2 block by broadcasting (an expand, whose gradient is a sum), not repeat_interleave: its
        // gradient on the CPU (an index_add) came out different from one backward pass to the next.
        var doubled = x.view(n, c, h, 1, w, 1).expand(n, c, h, 2, w, 2).reshape(n, c, 2 * h, 2 * w); // (B·T, C, 2H, 2W)
        return conv.forward(doubled).MoveToOuterDisposeScope();
    }
}
