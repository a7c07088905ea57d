namespace Ttm.Models;

/// <summary>
/// Floating-point operations of one stage-2 forward pass per row, counted from the config: every linear layer (2 · in ·
/// out per row it is applied to) and the attention products QKᵀ and AV (2 · keys · width each per query). The masked
/// self-attention's products are not counted (they depend on the objects' sizes), nor layer norms, softmax and element-wise
/// work: a lower bound, so the rate it implies is one too.
/// </summary>
public static class ForwardFlops
{
    /// <param name="textTokens">tokens of the global prompt</param>
    /// <param name="localTokens">tokens of each object's local prompt</param>
    public static double PerRow(TtmConfig c, int textTokens, IReadOnlyList<int> localTokens)
    {
        double d = c.Hidden, e = c.TextWidth, mlp = c.Hidden * c.MlpRatio;
        double s = c.TokensPerFrame, n = s * c.Frames, p2 = c.PatchSize * c.PatchSize;
        bool factorized = c.Attention == AttentionLayout.Factorized;
        double Linear(double rows, double input, double output) => 2 * rows * input * output;
        double Attention(double queries, double keys) => 4 * queries * keys * d; // QKᵀ and AV

        double flops = Linear(n, c.InputChannels * p2, d) + Linear(n, d, 3 * p2); // patch embedding and un-embedding
        for (int block = 0; block < c.Depth; block++)
        {
            flops += Linear(1, d, (factorized ? 9 : 6) * d); // adaLN
            flops += Linear(n, d, 3 * d) + Linear(n, d, d) + (factorized ? Attention(n, s) : Attention(n, n)); // self-attention
            if (factorized) flops += Linear(n, d, 3 * d) + Linear(n, d, d) + Attention(n, c.Frames); // temporal attention
            flops += Linear(n, d, d) + Linear(textTokens, e, 2 * d) + Attention(n, textTokens) + Linear(n, d, d); // cross-attention
            flops += Linear(n, d, mlp) + Linear(n, mlp, d); // MLP
            if (!c.HasAddedLayers(block)) continue;
            if (c.Variant is TtmVariant.Ti2v or TtmVariant.Ttm or TtmVariant.SelfOnly)
                flops += Linear(n, d, 3 * d) + Linear(n, d, d); // masked self-attention's projections
            if (c.Variant is TtmVariant.Ti2v or TtmVariant.Ttm or TtmVariant.CrossOnly)
                flops += Linear(n, d, d) + localTokens.Sum(t => Linear(t, e, 2 * d)) + Attention(n, localTokens.Sum()) + Linear(n, d, d); // masked cross-attention
        }
        return flops;
    }
}
