using TorchSharp;
using TorchSharp.Modules;
using Ttm.Models.Layers;
using static TorchSharp.torch;

namespace Ttm.Models.Unet;

/// <summary>
/// AnimateDiff's motion module: a temporal transformer at every position of a level, attending across frames
/// (self-attention over T, then a feed-forward), projected in and out of the feature maps with the output projection
/// zero-initialised, so an image U-Net with motion modules inserted starts as that image U-Net. Frame positions are
/// rotary (the temporal part of <see cref="RotaryEmbedding3D"/>) rather than AnimateDiff's added sinusoids.
/// </summary>
public sealed class MotionModule : nn.Module
{
    readonly ChannelGroupNorm norm;
    readonly Linear projIn;
    readonly LayerNorm norm1;
    readonly SelfAttention attn;
    readonly LayerNorm normFf;
    readonly FeedForward ff;
    readonly Linear projOut;

    public MotionModule(string name, UnetShape shape, int channels) : base(name)
    {
        norm = new ChannelGroupNorm("norm", shape.NormGroups, channels);
        projIn = nn.Linear(channels, channels);
        norm1 = nn.LayerNorm([channels], 1e-6);
        attn = new SelfAttention("attn", channels, channels / shape.HeadWidth);
        normFf = nn.LayerNorm([channels], 1e-6);
        ff = new FeedForward("ff", channels, shape.FeedForwardRatio);
        projOut = nn.Linear(channels, channels);
        RegisterComponents();
        using (no_grad())
        {
            projOut.weight!.zero_();
            projOut.bias!.zero_();
        }
    }

    /// <param name="x">(B·T, C, h, w)</param>
    /// <returns>(B·T, C, h, w)</returns>
    public Tensor forward(Tensor x, UnetContext context, UnetGrid grid)
    {
        using var scope = NewDisposeScope();
        var (bt, c, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        long b = bt / context.Frames, n = context.Frames * height * width;

        var tokens = norm.forward(x).view(b, context.Frames, c, height, width).permute(0, 1, 3, 4, 2).reshape(b, n, c); // (B, N, C)
        var h = projIn.forward(tokens); // (B, N, C)
        h = h + attn.forward(norm1.forward(h), grid.Rope, AttentionSpan.Temporal, context.Frames); // (B, N, C) across frames at each position
        h = h + ff.forward(normFf.forward(h)); // (B, N, C)
        h = projOut.forward(h); // (B, N, C)

        var maps = h.view(b, context.Frames, height, width, c).permute(0, 1, 4, 2, 3).reshape(bt, c, height, width); // (B·T, C, h, w)
        return (x + maps).MoveToOuterDisposeScope();
    }
}
