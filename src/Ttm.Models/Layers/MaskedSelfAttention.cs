using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ttm.Models.Layers;

/// <summary>
/// The paper's masked self-attention (Eq. 3): h = softmax(q kᵀ/√d + log M_self) v, where M_self(i, j) = 1 iff
/// video tokens i and j belong to the same object of the trajectory, across all frames. The background is
/// its own group. Two exact ways to compute it: by object groups ("same object" is an equivalence relation, so
/// M_self is block-diagonal once tokens are sorted by object: gather each object's tokens, dense attention inside
/// the group, scatter back, never building the N×N mask; groups of similar length, next power of two, share one
/// batched call), or with the dense N×N mask as plain products. <c>./ttm bench forward</c> on 2 CPU cores: for one
/// row of tiny's 512 tokens the products are the faster (the groups' gathers and scatters cost more than the
/// masked-out products save), from three rows on the groups (the N×N scores leave the caches). So a pass of at most
/// <see cref="DenseUpToRowTokens"/> rows × tokens takes the products, any larger one the groups, unless
/// <see cref="UseDense"/> says otherwise. Without object ids it is plain joint attention (the TI2V baseline's unmasked
/// extra layer, same parameters).
/// </summary>
public sealed class MaskedSelfAttention : nn.Module
{
    /// <summary>The most rows × tokens per row of a pass that computes Eq. 3 with the dense mask by default (one row of tiny).</summary>
    public const long DenseUpToRowTokens = 512;

    readonly SelfAttention attn;

    /// <summary>Forces the dense N×N mask (true) or the object groups (false); null (the default): by the pass's size, <see cref="DenseFor"/>.</summary>
    public bool? UseDense { get; set; }

    public MaskedSelfAttention(string name, int hidden, int heads) : base(name)
    {
        attn = new SelfAttention("attn", hidden, heads);
        RegisterComponents();
    }

    /// <summary>Whether a pass of <paramref name="rows"/> rows of <paramref name="tokens"/> tokens computes Eq. 3 with the dense mask by default.</summary>
    public static bool DenseFor(long rows, long tokens) => rows * tokens <= DenseUpToRowTokens;

    /// <param name="x">(B, N, D)</param>
    /// <param name="tokenObjects">(B, N) int64 object id per token (0 = background), or null for unmasked attention</param>
    public Tensor forward(Tensor x, RotaryEmbedding3D rope, Tensor? tokenObjects)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = attn.Project(x, rope); // (B, h, N, d)
        var o = tokenObjects is null
            ? F.scaled_dot_product_attention(q, k, v)
            : UseDense ?? DenseFor(q.shape[0], q.shape[2]) ? DenseProducts(q, k, v, tokenObjects) : GroupedAttention(q, k, v, tokenObjects); // (B, h, N, d)
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

    /// <summary>
    /// Eq. 3 with the dense mask as plain products: scores, −∞ outside the token's object, softmax, values. Served this
    /// way, not through libtorch's fused attention with the (B, 1, N, N) boolean mask: with that as the default one test
    /// run failed a later pass with a corrupt scalar (libtorch's toFloat check), which neither this nor the groups showed.
    /// </summary>
    static Tensor DenseProducts(Tensor q, Tensor k, Tensor v, Tensor tokenObjects)
    {
        using var scope = NewDisposeScope();
        var outside = tokenObjects.unsqueeze(2).ne(tokenObjects.unsqueeze(1)).unsqueeze(1); // (B, 1, N, N)
        var scores = matmul(q, k.transpose(-2, -1)).mul_(1.0 / Math.Sqrt(q.shape[3])); // (B, h, N, N)
        scores.masked_fill_(outside, float.NegativeInfinity);
        return matmul(scores.softmax(-1), v).MoveToOuterDisposeScope(); // (B, h, N, d)
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
