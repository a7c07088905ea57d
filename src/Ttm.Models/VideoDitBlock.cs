using TorchSharp;
using TorchSharp.Modules;
using Ttm.Models.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ttm.Models;

/// <summary>What a block reads besides its input tokens, computed once per forward pass.</summary>
public sealed record BlockContext(
    Tensor Conditioning,        // (B, D) timestep + pooled prompt, drives adaLN
    Tensor Text,                // (B, S, E)
    Tensor TextVisible,         // (B, 1, S) bool
    RotaryEmbedding3D Rope,
    int Frames,
    Tensor? LocalText = null,       // (B, S', E)
    Tensor? LocalVisible = null,    // (B, N|1, S') bool
    Tensor? TokenObjects = null)    // (B, N) int64, null for unmasked added self-attention
{
    /// <summary>The context of the batch rows <paramref name="rows"/> (B') only, for blocks that run on part of a batch.</summary>
    /// <param name="rows">(B') int64 row indices</param>
    public BlockContext Rows(Tensor rows) => this with
    {
        Conditioning = Conditioning.index_select(0, rows),      // (B', D)
        Text = Text.index_select(0, rows),                      // (B', S, E)
        TextVisible = TextVisible.index_select(0, rows),        // (B', 1, S)
        LocalText = LocalText?.index_select(0, rows),           // (B', S', E)
        LocalVisible = LocalVisible?.index_select(0, rows),     // (B', N|1, S')
        TokenObjects = TokenObjects?.index_select(0, rows),     // (B', N)
    };
}

/// <summary>
/// One video DiT block: adaLN-Zero modulated self-attention (joint, or spatial then temporal), cross-attention
/// to the prompt, MLP. Blocks 0..K-1 of stage 2 also carry the paper's two added layers, masked
/// self-attention (Eq. 3) and masked cross-attention to the local prompts (Eqs. 1-2), each behind a tanh gate
/// that starts at 0 (BlobGEN), so an added layer is an identity at initialisation.
/// </summary>
public sealed class VideoDitBlock : nn.Module
{
    readonly LayerNorm norm1;
    readonly SelfAttention attn;
    readonly LayerNorm? normTemporal;
    readonly SelfAttention? temporalAttn;
    readonly LayerNorm normCross;
    readonly CrossAttention cross;
    readonly LayerNorm norm2;
    readonly Linear fc1;
    readonly Linear fc2;
    readonly Linear adaLN;

    readonly LayerNorm? normAddedSelf;
    readonly MaskedSelfAttention? addedSelf;
    readonly Parameter? gateAddedSelf;
    readonly LayerNorm? normAddedCross;
    readonly CrossAttention? addedCross;
    readonly Parameter? gateAddedCross;

    readonly bool factorized;
    readonly int modulations;

    public VideoDitBlock(string name, TtmConfig config, int index) : base(name)
    {
        int d = config.Hidden;
        factorized = config.Attention == AttentionLayout.Factorized;
        modulations = factorized ? 9 : 6;
        norm1 = nn.LayerNorm([d], 1e-6, elementwise_affine: false);
        attn = new SelfAttention("attn", d, config.Heads);
        if (factorized)
        {
            normTemporal = nn.LayerNorm([d], 1e-6, elementwise_affine: false);
            temporalAttn = new SelfAttention("temporalAttn", d, config.Heads);
        }
        normCross = nn.LayerNorm([d], 1e-6);
        cross = new CrossAttention("cross", d, config.TextWidth, config.Heads);
        norm2 = nn.LayerNorm([d], 1e-6, elementwise_affine: false);
        int mlp = (int)(d * config.MlpRatio);
        fc1 = nn.Linear(d, mlp);
        fc2 = nn.Linear(mlp, d);
        adaLN = nn.Linear(d, modulations * d);

        if (config.HasAddedLayers(index))
        {
            // TI2V gets both layers unmasked; the ladder's rungs get the masked layer(s) they name.
            // Stage 1 reading local prompts gets the masked cross-attention alone.
            if (config.AddsSelfAttention)
            {
                normAddedSelf = nn.LayerNorm([d], 1e-6);
                addedSelf = new MaskedSelfAttention("addedSelf", d, config.Heads);
                gateAddedSelf = new Parameter(zeros(1));
            }
            if (config.AddsLocalCrossAttention)
            {
                normAddedCross = nn.LayerNorm([d], 1e-6);
                addedCross = new CrossAttention("addedCross", d, config.TextWidth, config.Heads);
                gateAddedCross = new Parameter(zeros(1));
            }
        }
        RegisterComponents();
        using (no_grad())
        {
            adaLN.weight!.zero_();
            adaLN.bias!.zero_();
        }
    }

    /// <summary>Whether a state-dict name belongs to an added layer (normAdded*, added*, gateAdded*), which starts gated off.</summary>
    public static bool IsAddedLayerTensor(string name) => name.Split('.').Any(part => part.StartsWith("normAdded", StringComparison.Ordinal)
        || part.StartsWith("added", StringComparison.Ordinal) || part.StartsWith("gateAdded", StringComparison.Ordinal));

    public bool HasAddedSelf => addedSelf is not null;
    /// <summary>The added masked self-attention (Eq. 3), in the first K blocks of stage 2.</summary>
    public MaskedSelfAttention? AddedSelf => addedSelf;
    public bool HasAddedCross => addedCross is not null;
    public Parameter? AddedSelfGate => gateAddedSelf;
    public Parameter? AddedCrossGate => gateAddedCross;

    static Tensor Modulate(Tensor x, Tensor shift, Tensor scale) => x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);

    /// <param name="x">(B, N, D)</param>
    public Tensor forward(Tensor x, BlockContext context)
    {
        using var scope = NewDisposeScope();
        // adaLN-Zero (DiT): shift, scale and gate of the self-attention and of the MLP, and of the temporal attention when factorized.
        var m = adaLN.forward(F.silu(context.Conditioning)).chunk(modulations, 1); // modulations × (B, D)
        var (shiftAttn, scaleAttn, gateAttn, shiftMlp, scaleMlp, gateMlp) = (m[0], m[1], m[2], m[3], m[4], m[5]);

        // Self-attention: joint, or spatial within each frame.
        var span = factorized ? AttentionSpan.Spatial : AttentionSpan.Joint;
        x = x + gateAttn.unsqueeze(1) * attn.forward(Modulate(norm1.forward(x), shiftAttn, scaleAttn), context.Rope, span, context.Frames);
        if (factorized)
        {
            var (shiftTemporal, scaleTemporal, gateTemporal) = (m[6], m[7], m[8]);
            x = x + gateTemporal.unsqueeze(1) * temporalAttn!.forward(
                Modulate(normTemporal!.forward(x), shiftTemporal, scaleTemporal), context.Rope, AttentionSpan.Temporal, context.Frames);
        }

        // The added layers (stage 2, first K blocks).
        if (addedSelf is not null)
            x = x + gateAddedSelf!.tanh() * addedSelf.forward(normAddedSelf!.forward(x), context.Rope, context.TokenObjects); // Eq. 3
        if (addedCross is not null)
            x = x + gateAddedCross!.tanh() * addedCross.forward(normAddedCross!.forward(x), context.LocalText!, context.LocalVisible!); // Eqs. 1-2

        // Cross-attention to the prompt, then the MLP.
        x = x + cross.forward(normCross.forward(x), context.Text, context.TextVisible);
        var h = fc2.forward(F.gelu(fc1.forward(Modulate(norm2.forward(x), shiftMlp, scaleMlp))));
        x = x + gateMlp.unsqueeze(1) * h;
        return x.MoveToOuterDisposeScope(); // (B, N, D)
    }
}
