using TorchSharp;
using TorchSharp.Modules;
using Ttm.Models.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ttm.Models;

/// <summary>
/// The video diffusion transformer both TTM stages share. Pixel-space patches (the encoder E is the identity
/// patchify at these sizes), 3D rotary positions plus a learned frame embedding, adaLN-Zero timestep (and
/// pooled-prompt) conditioning, cross-attention to text tokens. Its <see cref="TtmConfig.Stage"/> decides the
/// input channels and whether the first K blocks carry the added masked layers:
/// stage 1 (Image-to-Motion) reads [noisy trajectory ; s(0) ; x(0)] and c_motion;
/// stage 2 (Motion-to-Video) reads [noisy video ; x(0) ; ŝ], the prompt c and the local prompts c_local.
/// </summary>
public sealed class VideoDit : VideoDenoiser
{
    readonly Conv2d patchEmbed;
    readonly Parameter framePos;
    readonly TimestepEmbedder timeEmbed;
    readonly Linear textPool;
    readonly ModuleList<VideoDitBlock> blocks;
    readonly LayerNorm finalNorm;
    readonly Linear finalAdaLN;
    readonly Linear finalLinear;
    readonly RotaryEmbedding3D rope;

    public VideoDit(TtmConfig config) : base("VideoDit", Checked(config))
    {
        int d = config.Hidden, p = config.PatchSize;
        patchEmbed = nn.Conv2d(config.InputChannels, d, p, stride: p);
        framePos = new Parameter(randn(config.Frames, d) * 0.02f);
        timeEmbed = new TimestepEmbedder("timeEmbed", d);
        textPool = nn.Linear(config.TextWidth, d);
        blocks = nn.ModuleList(Enumerable.Range(0, config.Depth).Select(i => new VideoDitBlock($"block{i}", config, i)).ToArray());
        finalNorm = nn.LayerNorm([d], 1e-6, elementwise_affine: false);
        finalAdaLN = nn.Linear(d, 2 * d);
        finalLinear = nn.Linear(d, p * p * 3);
        rope = new RotaryEmbedding3D(config.HeadDim, config.Frames, config.Height / p, config.Width / p);
        RegisterComponents();
        using (no_grad())
        {
            // adaLN-Zero: the network starts as the zero function of its input.
            foreach (var zeroed in new[] { finalAdaLN.weight!, finalAdaLN.bias!, finalLinear.weight!, finalLinear.bias! })
                zeroed.zero_();
        }
    }

    public IReadOnlyList<VideoDitBlock> Blocks => blocks.ToList();

    /// <summary>
    /// Every added masked self-attention layer of this model computes Eq. 3 with the dense N×N mask (true), by object
    /// groups (false), or by the pass's size (null, the default: <see cref="MaskedSelfAttention.DenseFor"/>).
    /// </summary>
    public void UseDenseMask(bool? dense)
    {
        foreach (var block in blocks)
            if (block.AddedSelf is { } layer) layer.UseDense = dense;
    }

    /// <summary>Predicts velocity or clean sample (per <see cref="TtmConfig.Prediction"/>) for each row of the batch.</summary>
    /// <returns>(B, 3, T, H, W)</returns>
    public override Tensor forward(DitBatch batch)
    {
        using var scope = NewDisposeScope();
        var (x, context) = Embed(batch); // (B, N, D)
        foreach (var block in blocks)
            x = block.forward(x, context); // (B, N, D)
        return Unembed(x, context, batch).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// What comes before the blocks: the patchified tokens and what every block reads. <see cref="forward"/> is
    /// Embed, the blocks in order, then <see cref="Unembed"/>; a step cache runs the blocks itself. The tensors
    /// land in the caller's dispose scope.
    /// </summary>
    /// <returns>tokens (B, N, D) and the blocks' context</returns>
    public (Tensor Tokens, BlockContext Context) Embed(DitBatch batch)
    {
        var c = Config;
        long b = batch.Size, t = c.Frames, hp = c.Height / c.PatchSize, wp = c.Width / c.PatchSize;

        // Patchify [noisy ; conditions] frame by frame.
        var input = cat([batch.Noisy, batch.Visual], 1); // (B, Cin, T, H, W)
        var frames = input.permute(0, 2, 1, 3, 4).reshape(b * t, c.InputChannels, c.Height, c.Width); // (B·T, Cin, H, W)
        var x = patchEmbed.forward(frames).flatten(2).transpose(1, 2).reshape(b, t * hp * wp, c.Hidden); // (B, N, D)
        x = x + framePos.repeat_interleave(hp * wp, 0).unsqueeze(0); // (B, N, D)

        // Conditioning: flow time plus the mean of the prompt's token states.
        var textMask = batch.TextMask.to(x.dtype).unsqueeze(-1); // (B, S, 1)
        var pooled = (batch.Text * textMask).sum(1) / textMask.sum(1).clamp_min(1f); // (B, E)
        var conditioning = timeEmbed.forward(batch.Time) + textPool.forward(pooled); // (B, D)

        var context = new BlockContext(conditioning, batch.Text, batch.TextMask.unsqueeze(1), rope, c.Frames);
        if (c.AddsLayers && c.MaskedBlocks > 0)
            context = context with
            {
                LocalText = batch.LocalText,
                LocalVisible = c.MasksCrossAttention ? batch.LocalVisibility() : batch.LocalTokensPresent(),
                TokenObjects = c.MasksSelfAttention ? batch.TokenObjects : null,
            };
        return (x, context);
    }

    /// <summary>What comes after the blocks: final adaLN, per-token pixels, unpatchify (into the caller's dispose scope).</summary>
    /// <param name="x">(B, N, D) the last block's output</param>
    /// <returns>(B, 3, T, H, W)</returns>
    public Tensor Unembed(Tensor x, BlockContext context, DitBatch batch)
    {
        var c = Config;
        long b = batch.Size, t = c.Frames, hp = c.Height / c.PatchSize, wp = c.Width / c.PatchSize, p = c.PatchSize;
        var shiftScale = finalAdaLN.forward(F.silu(context.Conditioning)).chunk(2, 1); // 2 × (B, D)
        var y = finalNorm.forward(x) * (1 + shiftScale[1].unsqueeze(1)) + shiftScale[0].unsqueeze(1);
        y = finalLinear.forward(y); // (B, N, p·p·3)
        y = y.view(b, t, hp, wp, p, p, 3).permute(0, 6, 1, 2, 4, 3, 5).reshape(b, 3, t, c.Height, c.Width); // (B, 3, T, H, W)
        if (c.AnchorsOnFirstFrame)
            y = y + batch.Visual.narrow(1, 0, 3); // s(0) or x(0), already repeated over frames (zeros when dropped)
        return y;
    }

    static TtmConfig Checked(TtmConfig config)
    {
        config.Validate();
        if (config.Backbone != Backbone.Dit)
            throw new ArgumentException($"A {config.Backbone} config builds a {nameof(VideoUnet)}, not a {nameof(VideoDit)}.", nameof(config));
        return config;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) rope.Dispose();
        base.Dispose(disposing);
    }
}
