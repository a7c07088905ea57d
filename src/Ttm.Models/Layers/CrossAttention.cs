using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ttm.Models.Layers;

/// <summary>
/// Cross-attention from video tokens to text token states. With a per-token mask it is the paper's masked
/// cross-attention (Eqs. 1-2): h = softmax(q kᵀ/√d + log M) v. A query that may see no key at all (a token
/// outside every object's box) would be softmax over all −∞, i.e. NaN: such rows attend to every key
/// internally and their output is zeroed, so the branch adds nothing there.
/// </summary>
public sealed class CrossAttention : nn.Module
{
    readonly Linear q;
    readonly Linear kv;
    readonly Linear proj;
    readonly int heads;

    public CrossAttention(string name, int hidden, int textWidth, int heads) : base(name)
    {
        this.heads = heads;
        q = nn.Linear(hidden, hidden);
        kv = nn.Linear(textWidth, 2 * hidden);
        proj = nn.Linear(hidden, hidden);
        RegisterComponents();
    }

    /// <param name="x">(B, N, D) video tokens</param>
    /// <param name="text">(B, S, E) text token states</param>
    /// <param name="visible">(B, N, S) or (B, 1, S) bool: which keys each query may attend to</param>
    public Tensor forward(Tensor x, Tensor text, Tensor visible)
    {
        using var scope = NewDisposeScope();
        var (b, n, dModel) = (x.shape[0], x.shape[1], x.shape[2]);
        long s = text.shape[1], d = dModel / heads;
        var query = q.forward(x).view(b, n, heads, d).transpose(1, 2); // (B, h, N, d)
        var keysValues = kv.forward(text).view(b, s, 2, heads, d).permute(2, 0, 3, 1, 4); // (2, B, h, S, d)
        var seesAny = visible.any(-1, keepdim: true); // (B, N|1, 1)
        var mask = visible.logical_or(seesAny.logical_not()).unsqueeze(1); // (B, 1, N|1, S): empty rows see all
        var o = F.scaled_dot_product_attention(query, keysValues[0], keysValues[1], mask); // (B, h, N, d)
        var output = proj.forward(o.transpose(1, 2).reshape(b, n, dModel)); // (B, N, D)
        return (output * seesAny.to(output.dtype)).MoveToOuterDisposeScope();
    }
}
