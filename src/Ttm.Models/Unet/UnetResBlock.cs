using TorchSharp;
using TorchSharp.Modules;
using Ttm.Models.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ttm.Models.Unet;

/// <summary>
/// The U-Net's ResNet block (DDPM / Stable Diffusion): GroupNorm → SiLU → 3×3 conv, plus the timestep (and pooled prompt)
/// embedding as a per-channel bias, GroupNorm → SiLU → 3×3 conv (zero-initialised, so the block starts as its skip),
/// and a 1×1 convolution on the skip where the width changes. Each frame is an image of its own here.
/// </summary>
public sealed class UnetResBlock : nn.Module
{
    readonly ChannelGroupNorm norm1;
    readonly Conv2d conv1;
    readonly Linear embedding;
    readonly ChannelGroupNorm norm2;
    readonly Conv2d conv2;
    readonly Conv2d? skip;

    public UnetResBlock(string name, int inChannels, int outChannels, int embeddingWidth, int groups) : base(name)
    {
        norm1 = new ChannelGroupNorm("norm1", groups, inChannels);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        embedding = nn.Linear(embeddingWidth, outChannels);
        norm2 = new ChannelGroupNorm("norm2", groups, outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        if (inChannels != outChannels) skip = nn.Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
        using (no_grad())
        {
            conv2.weight!.zero_();
            conv2.bias!.zero_();
        }
    }

    /// <param name="x">(B·T, Cin, H, W)</param>
    /// <param name="frameEmbedding">(B·T, E) each frame's timestep + prompt embedding</param>
    /// <returns>(B·T, Cout, H, W)</returns>
    public Tensor forward(Tensor x, Tensor frameEmbedding)
    {
        using var scope = NewDisposeScope();
        var h = conv1.forward(F.silu(norm1.forward(x))); // (B·T, Cout, H, W)
        h = h + embedding.forward(F.silu(frameEmbedding)).unsqueeze(-1).unsqueeze(-1); // (B·T, Cout, H, W)
        h = conv2.forward(F.silu(norm2.forward(h))); // (B·T, Cout, H, W)
        var shortcut = skip?.forward(x) ?? x; // (B·T, Cout, H, W)
        return (shortcut + h).MoveToOuterDisposeScope();
    }
}
