using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class VideoDitTests
{
    [Theory]
    [InlineData(ModelStage.Motion, 1)]
    [InlineData(ModelStage.Motion, 3)]
    [InlineData(ModelStage.Video, 1)]
    [InlineData(ModelStage.Video, 3)]
    public void Forward_BothStages_KeepsVideoShape(ModelStage stage, int objects)
    {
        var config = TestWorld.Config(stage);
        using var model = new VideoDit(config);
        TestWorld.Randomise(model);
        using var conditions = TestWorld.Conditions(config, objects, seed: 3);
        using var batch = TestWorld.Batch(config, conditions);
        using var output = model.forward(batch);
        Assert.Equal(new long[] { 1, 3, config.Frames, config.Height, config.Width }, output.shape);
        Assert.False(output.isnan().any().item<bool>());
    }

    [Theory]
    [InlineData(TtmVariant.Ti2v)]
    [InlineData(TtmVariant.NoMask)]
    [InlineData(TtmVariant.CrossOnly)]
    [InlineData(TtmVariant.SelfOnly)]
    [InlineData(TtmVariant.Ttm)]
    public void Forward_EveryAblationVariant_Runs(TtmVariant variant)
    {
        var config = TestWorld.Config(ModelStage.Video, variant);
        using var model = new VideoDit(config);
        TestWorld.Randomise(model);
        using var conditions = TestWorld.Conditions(config, 2, seed: 4);
        using var batch = TestWorld.Batch(config, conditions);
        using var output = model.forward(batch);
        Assert.Equal(3, output.shape[1]);
        Assert.Equal(variant == TtmVariant.Ti2v ? 6 : 9, config.InputChannels);
        var block = model.Blocks[0];
        Assert.Equal(variant is TtmVariant.Ti2v or TtmVariant.Ttm or TtmVariant.SelfOnly, block.HasAddedSelf);
        Assert.Equal(variant is TtmVariant.Ti2v or TtmVariant.Ttm or TtmVariant.CrossOnly, block.HasAddedCross);
        Assert.False(model.Blocks[1].HasAddedSelf || model.Blocks[1].HasAddedCross); // only the first K = 1 blocks
    }

    [Fact]
    public void Ti2vBaseline_HasTheSameAddedParameterCountAsTtm_LessTheTrajectoryInput()
    {
        using var ttm = new VideoDit(TestWorld.Config(ModelStage.Video, TtmVariant.Ttm));
        using var ti2v = new VideoDit(TestWorld.Config(ModelStage.Video, TtmVariant.Ti2v));
        var config = TestWorld.Config(ModelStage.Video);
        long trajectoryInput = 3L * config.PatchSize * config.PatchSize * config.Hidden; // the 3 trajectory channels of the patch embedding
        Assert.Equal(ttm.ParameterCount() - trajectoryInput, ti2v.ParameterCount());
    }

    [Fact]
    public void AddedLayers_AreIdentityAtInit_AndReceiveGradients()
    {
        var config = TestWorld.Config(ModelStage.Video);
        var noMask = config with { Variant = TtmVariant.NoMask };
        using var withLayers = new VideoDit(config);
        using var without = new VideoDit(noMask);
        TestWorld.Randomise(without);
        // Copy every shared weight so the only difference is the added layers.
        var source = without.state_dict();
        using (no_grad())
            foreach (var (name, p) in withLayers.named_parameters())
                if (source.TryGetValue(name, out var s)) p.copy_(s);
                else if (!name.Contains("gate")) p.copy_(randn(p.shape) * 0.1f);

        using var conditions = TestWorld.Conditions(config, 2, seed: 5);
        using var batch = TestWorld.Batch(config, conditions);
        using var a = withLayers.forward(batch);
        using var b = without.forward(batch);
        Assert.True(allclose(a, b, rtol: 0, atol: 1e-6), "the added layers changed the output at initialisation");

        using var loss = a.square().mean();
        loss.backward();
        var gates = withLayers.Blocks[0];
        Assert.NotEqual(0f, gates.AddedSelfGate!.grad!.abs().item<float>());
        Assert.NotEqual(0f, gates.AddedCrossGate!.grad!.abs().item<float>());
    }

    [Fact]
    public void MaskedCrossAttention_TokensOutsideEveryBox_GiveNoNaN()
    {
        var config = TestWorld.Config(ModelStage.Video);
        using var model = new VideoDit(config);
        TestWorld.Randomise(model);
        using (no_grad()) model.Blocks[0].AddedCrossGate!.fill_(1f);
        using var conditions = TestWorld.Conditions(config, 1, seed: 6);
        using var batch = TestWorld.Batch(config, conditions);
        using var visible = batch.LocalVisibility();
        Assert.True(visible.any(-1).logical_not().any().item<bool>(), "the test needs tokens outside every box");
        using var output = model.forward(batch);
        Assert.False(output.isnan().any().item<bool>());
    }

    [Fact]
    public void MaskedCrossAttention_LetsATokenSeeOnlyItsObjectsPrompt()
    {
        var config = TestWorld.Config(ModelStage.Video);
        using var conditions = TestWorld.Conditions(config, 2, seed: 6);
        using var batch = TestWorld.Batch(config, conditions);
        using var visible = batch.LocalVisibility(); // (1, N, S')
        var owner = batch.LocalOwner!.data<long>().ToArray();
        var objects = batch.TokenObjects!.data<long>().ToArray();
        var seen = visible.data<bool>().ToArray();
        int s = owner.Length;
        for (int i = 0; i < objects.Length; i++)
            if (objects[i] > 0)
                for (int j = 0; j < s; j++)
                    Assert.Equal(owner[j] == objects[i] || IsInOtherBox(i, owner[j]), seen[i * s + j]);

        bool IsInOtherBox(int token, long obj) => obj > 0 && batch.TokenBoxes!.data<bool>()[token * batch.TokenBoxes.shape[2] + (obj - 1)];
    }
}
