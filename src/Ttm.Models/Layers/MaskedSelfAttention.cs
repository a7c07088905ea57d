using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ttm.Models.Layers;

/// <summary>
/// The paper's masked self-attention (Eq. 3): h = softmax(q kᵀ/√d + log M_self) v, where M_self(i, j) = 1 iff
/// video tokens i and j belong to the same object of the trajectory, across all frames. The background is
/// its own group. Two exact ways to compute it: with the dense N×N same-object mask in one attention call, or,
/// since "same object" is an equivalence relation and M_self is block-diagonal once tokens are sorted by object,
/// by gathering each object's tokens, running dense attention inside the group and scattering back, never
/// building the N×N mask (groups of similar length, next power of two, share one batched call). Up to
/// <see cref="DenseUpToTokens"/> tokens the dense call is the faster (<c>./ttm bench forward</c>, tiny's 512 tokens:
/// the gathers cost more than the masked products they save); above it the groups (small's 4,096 tokens would need
/// a 16 M-entry mask per row). Without object ids it is plain joint attention (the TI2V baseline's unmasked extra
/// layer, same parameters).
/// </summary>
public sealed class MaskedSelfAttention : nn.Module
{
    /// <summary>The most tokens per row at which Eq. 3 is computed with the dense mask by default.</summary>
    public const long DenseUpToTokens = 1024;

    readonly SelfAttention attn;

    /// <summary>This layer computes Eq. 3 with the dense N×N mask (true) or by object groups (false); the same result.</summary>
    public bool UseDense { get; set; }

    /// <param name="tokens">tokens per row (N), which decides <see cref="UseDense"/>'s default</param>
    public MaskedSelfAttention(string name, int hidden, int heads, long tokens) : base(name)
    {
        attn = new SelfAttention("attn", hidden, heads);
        UseDense = tokens <= DenseUpToTokens;
        RegisterComponents();
    }

    /// <param name="x">(B, N, D)</param>
    /// <param name="tokenObjects">(B, N) int64 object id per token (0 = background), or null for unmasked attention</param>
    public Tensor forward(Tensor x, RotaryEmbedding3D rope, Tensor? tokenObjects)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = attn.Project(x, rope); // (B, h, N, d)
        var o = tokenObjects is null
            ? F.scaled_dot_product_attention(q, k, v)
            : UseDense ? DenseMaskedAttention(q, k, v, tokenObjects) : GroupedAttention(q, k, v, tokenObjects); // (B, h, N, d)
        return attn.Output(o).MoveToOuterDisposeScope();
    }

    /// <summary>Eq. 3 by object groups: gather, dense attention per group, scatter.</summary>
    /// <param name="q">(B, h, N, d), as are k and v</param>
    /// <param name="tokenObjects">(B, N) int64</param>
    public static Tensor GroupedAttention(Tensor q, Tensor k, Tensor v, Tensor tokenObjects)
    {
        using var scope = NewDisposeScope();
        var (b, h, n, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3]);
        Tensor Flat(Tensor t) => t.permute(0, 2, 1, 3).reshape(b * n, h, d); // (B·N, h, d)
        var (qf, kf, vf) = (Flat(q), Flat(k), Flat(v));

        var output = zeros_like(qf);
        foreach (var bucket in Buckets(tokenObjects, n))
        {
            long groups = bucket.Indices.shape[0], length = bucket.Indices.shape[1];
            Tensor Gather(Tensor t) => t.index_select(0, bucket.Indices.flatten()).view(groups, length, h, d).transpose(1, 2); // (G, h, L, d)
            var visible = bucket.Valid.view(groups, 1, 1, length); // (G, 1, 1, L): padding keys hidden
            var o = F.scaled_dot_product_attention(Gather(qf), Gather(kf), Gather(vf), visible); // (G, h, L, d)
            var rows = o.transpose(1, 2).reshape(groups * length, h, d); // (G·L, h, d)
            var valid = bucket.Valid.flatten().nonzero().squeeze(1); // (M,)
            output = output.index_copy(0, bucket.Indices.flatten().index_select(0, valid), rows.index_select(0, valid));
        }
        return output.view(b, n, h, d).permute(0, 2, 1, 3).MoveToOuterDisposeScope(); // (B, h, N, d)
    }

    /// <summary>The dense form of Eq. 3 with an explicit N×N same-object mask (also the reference the tests compare the groups against).</summary>
    public static Tensor DenseMaskedAttention(Tensor q, Tensor k, Tensor v, Tensor tokenObjects)
    {
        using var scope = NewDisposeScope();
        var same = tokenObjects.unsqueeze(2).eq(tokenObjects.unsqueeze(1)).unsqueeze(1); // (B, 1, N, N)
        return F.scaled_dot_product_attention(q, k, v, same).MoveToOuterDisposeScope();
    }

    readonly record struct Bucket(Tensor Indices, Tensor Valid);

    /// <summary>Object groups of the whole batch, bucketed by padded length (next power of two, at least 8).</summary>
    static List<Bucket> Buckets(Tensor tokenObjects, long n)
    {
        var ids = tokenObjects.to(ScalarType.Int64).cpu().data<long>().ToArray();
        var groups = new Dictionary<(long Batch, long Id), List<long>>();
        for (long i = 0; i < ids.Length; i++)
        {
            var key = (i / n, ids[i]);
            if (!groups.TryGetValue(key, out var members)) groups[key] = members = [];
            members.Add(i);
        }
        var buckets = new List<Bucket>();
        foreach (var sameLength in groups.Values.GroupBy(g => Math.Max(8, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)g.Count))))
        {
            long length = sameLength.Key;
            var members = sameLength.ToList();
            var indices = new long[members.Count * length];
            var valid = new bool[members.Count * length];
            for (int g = 0; g < members.Count; g++)
            for (int j = 0; j < length; j++)
            {
                bool real = j < members[g].Count;
                indices[g * length + j] = real ? members[g][j] : members[g][0];
                valid[g * length + j] = real;
            }
            buckets.Add(new Bucket(
                tensor(indices, [members.Count, length], device: tokenObjects.device),
                tensor(valid, [members.Count, length], device: tokenObjects.device)));
        }
        return buckets;
    }
}
