using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Ttm.Models.Onnx;

/// <summary>
/// The layers both backbones' graphs are written from (<see cref="VideoDitGraph"/>, <see cref="VideoUnetGraph"/>), each
/// as the same computation as its TorchSharp module: linear layers, layer norms, the timestep embedder, rotary
/// projections and ONNX Runtime's fused attention (tokens stay (B, N, D), no head transposes), masked cross-attention.
/// Weights are read by their state-dict names.
/// </summary>
abstract class GraphLayers(OnnxGraph g, IDictionary<string, Tensor> weights)
{
    protected readonly OnnxGraph g = g;
    protected readonly IDictionary<string, Tensor> weights = weights;
    string? one, zero, minusInfinity;

    protected string One => one ??= g.Constant("one", [1f]);
    string Zero => zero ??= g.Constant("zero", [0f]);
    string MinusInfinity => minusInfinity ??= g.Constant("minus_infinity", [float.NegativeInfinity]);

    /// <summary>A cross-attention mask as the fused attention reads it (<see cref="Visible"/>).</summary>
    protected sealed record Visibility(string Bias, string SeesAny);

    /// <summary>The prompt's mean token state over its real tokens, (B, E), as both backbones pool it.</summary>
    protected string PooledText(string text, string textMask)
    {
        var maskFloat = g.Op("Unsqueeze", [g.Op("Cast", [textMask], ("to", (long)DataType.Float)), g.Ints(-1)]); // (B, S, 1)
        var summed = g.Op("ReduceSum", [g.Op("Mul", [text, maskFloat]), g.Ints(1)], ("keepdims", 0)); // (B, E)
        var count = g.Op("Max", [g.Op("ReduceSum", [maskFloat, g.Ints(1)], ("keepdims", 0)), One]); // (B, 1)
        return g.Op("Div", [summed, count]); // (B, E)
    }

    /// <summary>Queries, keys (rotary applied: queries and keys as 2h heads in one call) and values, each (B, N, D).</summary>
    /// <param name="rope">the rotary operator's caches for these tokens' positions, each (N, dh/2)</param>
    protected (string Q, string K, string V) Project(string x, string prefix, long width, long heads, (string Cos, string Sin) rope)
    {
        var parts = g.Ops("Split", [Linear(x, prefix + "qkv"), g.Ints(2 * width, width)], 2, [("axis", 2)]); // (B, N, 2D), (B, N, D)
        var rotated = g.ContribOp("RotaryEmbedding", [parts[0], g.Ints(0), rope.Cos, rope.Sin], ("interleaved", 1L), ("num_heads", 2 * heads));
        var qk = g.Ops("Split", [rotated, g.Ints(width, width)], 2, [("axis", 2)]);
        return (qk[0], qk[1], parts[1]);
    }

    /// <summary>The rotary operator's caches of <paramref name="rope"/>: one angle per pair, (N, dh/2) (the tables repeat each pair's cos and sign its sin).</summary>
    protected (string Cos, string Sin) RotaryCaches(Layers.RotaryEmbedding3D rope, string name)
    {
        var (cos, sin) = rope.Tables; // (N, dh)
        long n = cos.shape[0], dh = cos.shape[1];
        using var cosCache = cos.view(n, dh / 2, 2).select(2, 0);
        using var sinCache = sin.view(n, dh / 2, 2).select(2, 1);
        return (g.Weight(name + "_cos", cosCache), g.Weight(name + "_sin", sinCache)); // (N, dh/2) each
    }

    /// <summary>Masked cross-attention (<see cref="Layers.CrossAttention"/>): rows that see no key add nothing.</summary>
    protected string CrossAttention(string x, string keysFrom, Visibility visible, string prefix, long width, long heads)
    {
        var query = Linear(x, prefix + "q"); // (B, N, D)
        var keysValues = g.Ops("Split", [Linear(keysFrom, prefix + "kv"), g.Ints(width, width)], 2, [("axis", 2)]); // 2 × (B, S, D)
        var o = Linear(Attention(query, keysValues[0], keysValues[1], visible.Bias, heads), prefix + "proj"); // (B, N, D)
        return g.Op("Mul", [o, visible.SeesAny]);
    }

    /// <summary>
    /// A cross-attention mask (B, N|1, S) as ONNX Runtime's fused attention reads it: an additive bias (B, 1, N, S), 0 or −∞,
    /// where a row that may see no key sees every key (as <see cref="Layers.CrossAttention"/>), and whether it sees any (B, N|1, 1).
    /// </summary>
    /// <param name="n">the query tokens</param>
    protected Visibility Visible(string visible, long n)
    {
        var seesAny = g.Op("ReduceMax", [g.Op("Cast", [visible], ("to", (long)DataType.Float)), g.Ints(-1)], ("keepdims", 1)); // (B, N|1, 1)
        var seesNone = g.Op("Not", [g.Op("Cast", [seesAny], ("to", (long)DataType.Bool))]);
        var bias = Bias(g.Op("Unsqueeze", [g.Op("Or", [visible, seesNone]), g.Ints(1)])); // (B, 1, N|1, S)
        return new Visibility(g.Op("Expand", [bias, g.Ints(1, 1, n, 1)]), seesAny); // (B, 1, N, S)
    }

    /// <summary>Eq. 3's additive bias (B, 1, N, N) from each token's object id (B, N): 0 within an object, −∞ across.</summary>
    protected string SameObjectBias(string tokenObjects) =>
        Bias(g.Op("Unsqueeze", [g.Op("Equal", [g.Op("Unsqueeze", [tokenObjects, g.Ints(2)]), g.Op("Unsqueeze", [tokenObjects, g.Ints(1)])]), g.Ints(1)]));

    /// <summary>0 where <paramref name="visible"/>, −∞ elsewhere.</summary>
    protected string Bias(string visible) => g.Op("Where", [visible, Zero, MinusInfinity]);

    /// <summary>ONNX Runtime's fused multi-head attention, softmax(q kᵀ / √dh + bias) v, on (B', L, D) tokens.</summary>
    protected string Attention(string q, string k, string v, string? bias, long heads) =>
        g.ContribOp("MultiHeadAttention", bias is null ? [q, k, v] : [q, k, v, "", "", bias], ("num_heads", heads));

    /// <summary>The timestep embedder (<see cref="Layers.TimestepEmbedder"/>) named <paramref name="prefix"/>: (B,) → (B, D).</summary>
    protected string TimeEmbedding(string time, string prefix)
    {
        const int frequencies = 256;
        int half = frequencies / 2;
        using var freqs = exp(arange(half, dtype: ScalarType.Float32) * (-Math.Log(10000.0) / half)); // (F/2,), as TimestepEmbedder
        var args = g.Op("Mul", [g.Op("Unsqueeze", [g.Op("Mul", [time, g.Constant("thousand", [1000f])]), g.Ints(1)]), g.Weight("freqs", freqs)]); // (B, F/2)
        var features = g.Op("Concat", [g.Op("Cos", [args]), g.Op("Sin", [args])], ("axis", 1)); // (B, F)
        return Linear(Silu(Linear(features, prefix + ".fc1")), prefix + ".fc2");
    }

    protected string Linear(string x, string prefix)
    {
        using var transposed = weights[prefix + ".weight"].t();
        return g.Op("Add", [g.Op("MatMul", [x, g.Weight(prefix + "_wt", transposed)]), g.Weight(prefix + "_b", weights[prefix + ".bias"])]);
    }

    /// <summary>Layer normalisation over the last dimension with the affine weights named <paramref name="affine"/>.</summary>
    protected string Norm(string x, string affine) => LayerNorm(x, g.Weight(affine + "_w", weights[affine + ".weight"]), g.Weight(affine + "_b", weights[affine + ".bias"]));

    protected string LayerNorm(string x, string scale, string shift) => g.Op("LayerNormalization", [x, scale, shift], ("axis", -1), ("epsilon", 1e-6f));

    /// <summary>The position-wise MLP (<see cref="Layers.FeedForward"/>): Linear → GELU → Linear.</summary>
    protected string FeedForward(string x, string prefix) => Linear(g.Op("Gelu", [Linear(x, prefix + "fc1")]), prefix + "fc2");

    /// <summary>An added layer's gate as it multiplies: tanh of the gate's weight.</summary>
    protected string Gate(string name)
    {
        using var gate = weights[name].tanh();
        return g.Weight(name, gate);
    }

    protected string Silu(string x) => g.Op("Mul", [x, g.Op("Sigmoid", [x])]);

    protected string Reshape(string x, params long[] shape) => g.Op("Reshape", [x, g.Ints(shape)]);
}
