using Ttm.Models.Layers;
using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class MaskedSelfAttentionTests
{
    static (Tensor Q, Tensor K, Tensor V, Tensor Objects) Inputs(int seed)
    {
        using var g = new Generator((ulong)seed);
        var q = randn([2, 2, 40, 8], generator: g);
        var k = randn([2, 2, 40, 8], generator: g);
        var v = randn([2, 2, 40, 8], generator: g);
        // Uneven groups, different per batch row: 3 objects + background.
        var objects = randint(0, 4, [2, 40], generator: g);
        return (q, k, v, objects);
    }

    [Fact]
    public void GroupedAttention_EqualsDenseMaskedReference()
    {
        var (q, k, v, objects) = Inputs(1);
        using var grouped = MaskedSelfAttention.GroupedAttention(q, k, v, objects);
        using var dense = MaskedSelfAttention.DenseMaskedAttention(q, k, v, objects);
        Assert.True(allclose(grouped, dense, rtol: 1e-5, atol: 1e-5), $"max difference {(grouped - dense).abs().max().item<float>()}");
    }

    [Fact]
    public void GroupedAttention_LeaksNothingAcrossObjects()
    {
        var (q, k, v, objects) = Inputs(2);
        using var before = MaskedSelfAttention.GroupedAttention(q, k, v, objects);
        // Perturb every key and value of object 2 only.
        using var isTwo = objects.eq(2).unsqueeze(1).unsqueeze(-1).to(ScalarType.Float32); // (B, 1, N, 1)
        using var k2 = k + 5f * isTwo;
        using var v2 = v - 7f * isTwo;
        using var after = MaskedSelfAttention.GroupedAttention(q, k2, v2, objects);
        using var others = objects.ne(2).unsqueeze(1).unsqueeze(-1).expand_as(before);
        Assert.True(before.masked_select(others).allclose(after.masked_select(others), rtol: 0, atol: 1e-6));
        Assert.False(before.allclose(after), "object 2's own outputs should have changed");
    }

    [Fact]
    public void MaskedSelfAttentionLayer_ByGroups_ThroughTheModule_EqualsDenseReference()
    {
        using var layer = new MaskedSelfAttention("m", 16, 2) { UseDense = false };
        using var rope = new RotaryEmbedding3D(8, 2, 4, 5);
        using var g = new Generator(3);
        using var x = randn([2, 40, 16], generator: g);
        using var objects = randint(0, 3, [2, 40], generator: g);
        using var grouped = layer.forward(x, rope, objects);
        // Recompute with the dense mask through the same projections.
        var attn = (SelfAttention)layer.named_children().Single().module;
        var (q, k, v) = attn.Project(x, rope);
        using var dense = attn.Output(MaskedSelfAttention.DenseMaskedAttention(q, k, v, objects));
        Assert.True(allclose(grouped, dense, rtol: 1e-5, atol: 1e-5));
        layer.UseDense = true;
        using var denseLayer = layer.forward(x, rope, objects);
        Assert.True(allclose(denseLayer, dense, rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void TheDenseMask_IsTheDefaultForOneRowOfTiny_AndTheGroupsForMore()
    {
        long tiny = TtmConfig.Named("tiny").Tokens, small = TtmConfig.Named("small").Tokens;
        Assert.True(MaskedSelfAttention.DenseFor(1, tiny));
        Assert.False(MaskedSelfAttention.DenseFor(3, tiny)); // one request's guidance rows
        Assert.False(MaskedSelfAttention.DenseFor(1, small));
    }
}
