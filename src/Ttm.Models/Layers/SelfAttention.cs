using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ttm.Models.Layers;

/// <summary>Multi-head self-attention over video tokens with 3D rotary positions; joint, spatial or temporal span.</summary>
public sealed class SelfAttention : nn.Module
{
    readonly Linear qkv;
    readonly Linear proj;
    readonly int heads;

    public SelfAttention(string name, int hidden, int heads) : base(name)
    {
        this.heads = heads;
        qkv = nn.Linear(hidden, 3 * hidden);
        proj = nn.Linear(hidden, hidden);
        RegisterComponents();
    }

    /// <summary>Queries, keys and values as (B, heads, N, d), with rotary positions applied to q and k.</summary>
    public (Tensor Q, Tensor K, Tensor V) Project(Tensor x, RotaryEmbedding3D rope)
    {
        var (b, n, d) = (x.shape[0], x.shape[1], x.shape[2]);
        var qkvHeads = qkv.forward(x).view(b, n, 3, heads, d / heads).permute(2, 0, 3, 1, 4); // (3, B, h, N, d/h)
        var rotated = rope.Apply(qkvHeads.narrow(0, 0, 2)); // (2, B, h, N, d/h): queries and keys in one pass
        return (rotated[0], rotated[1], qkvHeads[2]);
    }

    /// <summary>Merges heads (B, heads, N, d) and applies the output projection.</summary>
    public Tensor Output(Tensor heads) =>
        proj.forward(heads.transpose(1, 2).reshape(heads.shape[0], heads.shape[2], -1)); // (B, N, D)

    /// <param name="x">(B, N, D) with N = T·S tokens, frame-major</param>
    public Tensor forward(Tensor x, RotaryEmbedding3D rope, AttentionSpan span, int frames)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Project(x, rope); // (B, h, N, d)
        var (b, h, n, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3]);
        long s = n / frames;
        Tensor o;
        switch (span)
        {
            case AttentionSpan.Joint:
                o = F.scaled_dot_product_attention(q, k, v); // (B, h, N, d)
                break;
            case AttentionSpan.Spatial:
                Tensor ToFrames(Tensor t) => t.view(b, h, frames, s, d).transpose(1, 2).reshape(b * frames, h, s, d); // (B·T, h, S, d)
                o = F.scaled_dot_product_attention(ToFrames(q), ToFrames(k), ToFrames(v))
                    .view(b, frames, h, s, d).transpose(1, 2).reshape(b, h, n, d);
                break;
            case AttentionSpan.Temporal:
                Tensor ToPositions(Tensor t) => t.view(b, h, frames, s, d).permute(0, 3, 1, 2, 4).reshape(b * s, h, frames, d); // (B·S, h, T, d)
                o = F.scaled_dot_product_attention(ToPositions(q), ToPositions(k), ToPositions(v))
                    .view(b, s, h, frames, d).permute(0, 2, 3, 1, 4).reshape(b, h, n, d);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(span));
        }
        return Output(o).MoveToOuterDisposeScope();
    }
}
