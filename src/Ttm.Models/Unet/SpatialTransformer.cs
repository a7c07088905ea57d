using TorchSharp;
using TorchSharp.Modules;
using Ttm.Models.Layers;
using static TorchSharp.torch;

namespace Ttm.Models.Unet;

/// <summary>
/// The U-Net's spatial transformer (Stable Diffusion's Transformer2DModel, one BasicTransformerBlock): self-attention
/// within each frame, cross-attention to the prompt's token states, feed-forward; projected in and out of the feature
/// maps, the output projection zero-initialised so the block starts as the identity. In the encoder's first K blocks
/// it also carries TTM's two added layers between self- and cross-attention, each behind a tanh gate that starts at 0
/// (BlobGEN, GLIGEN's place): masked self-attention over all frames (Eq. 3) and masked cross-attention to the local
/// prompts (Eqs. 1-2); the TI2V baseline's are the same layers unmasked.
/// </summary>
public sealed class SpatialTransformer : nn.Module
{
    readonly ChannelGroupNorm norm;
    readonly Linear projIn;
    readonly LayerNorm norm1;
    readonly SelfAttention attn;
    readonly LayerNorm? normAddedSelf;
    readonly MaskedSelfAttention? addedSelf;
    readonly Parameter? gateAddedSelf;
    readonly LayerNorm? normAddedCross;
    readonly CrossAttention? addedCross;
    readonly Parameter? gateAddedCross;
    readonly LayerNorm normCross;
    readonly CrossAttention cross;
    readonly LayerNorm normFf;
    readonly FeedForward ff;
    readonly Linear projOut;

    public SpatialTransformer(string name, TtmConfig config, int channels, bool addsLayers) : base(name)
    {
        var shape = config.UnetShape;
        int heads = channels / shape.HeadWidth;
        norm = new ChannelGroupNorm("norm", shape.NormGroups, channels);
        projIn = nn.Linear(channels, channels);
        norm1 = nn.LayerNorm([channels], 1e-6);
        attn = new SelfAttention("attn", channels, heads);
        if (addsLayers && config.AddsSelfAttention)
        {
            normAddedSelf = nn.LayerNorm([channels], 1e-6);
            addedSelf = new MaskedSelfAttention("addedSelf", channels, heads);
            gateAddedSelf = new Parameter(zeros(1));
        }
        if (addsLayers && config.AddsLocalCrossAttention)
        {
            normAddedCross = nn.LayerNorm([channels], 1e-6);
            addedCross = new CrossAttention("addedCross", channels, config.TextWidth, heads);
            gateAddedCross = new Parameter(zeros(1));
        }
        normCross = nn.LayerNorm([channels], 1e-6);
        cross = new CrossAttention("cross", channels, config.TextWidth, heads);
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

    public bool HasAddedSelf => addedSelf is not null;
    public bool HasAddedCross => addedCross is not null;
    /// <summary>The added masked self-attention (Eq. 3), in the encoder's first K blocks of stage 2.</summary>
    public MaskedSelfAttention? AddedSelf => addedSelf;

    /// <param name="x">(B·T, C, h, w) one level's feature maps, frame-major within each row</param>
    /// <returns>(B·T, C, h, w)</returns>
    public Tensor forward(Tensor x, UnetContext context, UnetGrid grid)
    {
        using var scope = NewDisposeScope();
        var (bt, c, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        long b = bt / context.Frames, n = context.Frames * height * width;

        var tokens = norm.forward(x).view(b, context.Frames, c, height, width).permute(0, 1, 3, 4, 2).reshape(b, n, c); // (B, N, C)
        var h = projIn.forward(tokens); // (B, N, C)
        h = h + attn.forward(norm1.forward(h), grid.Rope, AttentionSpan.Spatial, context.Frames); // (B, N, C) within each frame

        // TTM's added layers (encoder, first K blocks).
        if (addedSelf is not null)
            h = h + gateAddedSelf!.tanh() * addedSelf.forward(normAddedSelf!.forward(h), grid.Rope, grid.TokenObjects); // Eq. 3, over all frames
        if (addedCross is not null)
            h = h + gateAddedCross!.tanh() * addedCross.forward(normAddedCross!.forward(h), grid.LocalText!, grid.LocalVisible!); // Eqs. 1-2

        h = h + cross.forward(normCross.forward(h), context.Text, context.TextVisible); // (B, N, C) the prompt
        h = h + ff.forward(normFf.forward(h)); // (B, N, C)
        h = projOut.forward(h); // (B, N, C)

        var maps = h.view(b, context.Frames, height, width, c).permute(0, 1, 4, 2, 3).reshape(bt, c, height, width); // (B·T, C, h, w)
        return (x + maps).MoveToOuterDisposeScope();
    }
}
