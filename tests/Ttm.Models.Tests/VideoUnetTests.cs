using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class VideoUnetTests
{
    [Theory]
    [InlineData(ModelStage.Motion, 1)]
    [InlineData(ModelStage.Motion, 3)]
    [InlineData(ModelStage.Video, 1)]
    [InlineData(ModelStage.Video, 3)]
    public void Forward_BothStages_KeepsVideoShape(ModelStage stage, int objects)
    {
        var config = TestWorld.UnetConfig(stage);
        using var model = new VideoUnet(config);
        TestWorld.Randomise(model);
        using var conditions = TestWorld.Conditions(config, objects, seed: 3);
        using var batch = TestWorld.Batch(config, conditions, t: 0.5f);
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
    public void Forward_EveryAblationVariant_PutsTheAddedLayersInEveryEncoderSpatialBlock(TtmVariant variant)
    {
        var config = TestWorld.UnetConfig(ModelStage.Video, variant);
        using var model = new VideoUnet(config);
        TestWorld.Randomise(model);
        using var conditions = TestWorld.Conditions(config, 2, seed: 4);
        using var batch = TestWorld.Batch(config, conditions);
        using var output = model.forward(batch);
        Assert.Equal(new long[] { 1, 3, config.Frames, config.Height, config.Width }, output.shape);
        Assert.False(output.isnan().any().item<bool>());
        Assert.Equal(2, model.EncoderTransformers.Count);
        foreach (var transformer in model.EncoderTransformers) // K = 2 = all of them
        {
            Assert.Equal(variant is TtmVariant.Ti2v or TtmVariant.Ttm or TtmVariant.SelfOnly, transformer.HasAddedSelf);
            Assert.Equal(variant is TtmVariant.Ti2v or TtmVariant.Ttm or TtmVariant.CrossOnly, transformer.HasAddedCross);
        }
    }

    [Fact]
    public void Ti2vBaseline_HasTheSameAddedParameterCountAsTtm_LessTheTrajectoryInput()
    {
        using var ttm = new VideoUnet(TestWorld.UnetConfig(ModelStage.Video, TtmVariant.Ttm));
        using var ti2v = new VideoUnet(TestWorld.UnetConfig(ModelStage.Video, TtmVariant.Ti2v));
        using var noMask = new VideoUnet(TestWorld.UnetConfig(ModelStage.Video, TtmVariant.NoMask));
        var shape = TestWorld.UnetConfig(ModelStage.Video).UnetShape;
        long trajectoryInput = 3L * 3 * 3 * shape.Channels; // the 3 trajectory channels of the 3×3 input convolution
        Assert.Equal(ttm.ParameterCount() - trajectoryInput, ti2v.ParameterCount());
        Assert.True(noMask.ParameterCount() < ttm.ParameterCount()); // the added layers are real parameters
    }

    [Fact]
    public void AddedLayersAndMotionModules_AreIdentityAtInit()
    {
        // With every gate at 0 the TTM U-Net computes exactly what the same weights without added layers compute.
        var config = TestWorld.UnetConfig(ModelStage.Video);
        using var ttm = new VideoUnet(config);
        TestWorld.Randomise(ttm);
        using var noMask = new VideoUnet(config with { Variant = TtmVariant.NoMask });
        var weights = ttm.state_dict();
        using (no_grad())
            foreach (var (name, p) in noMask.state_dict())
                p.copy_(weights[name]);
        using var conditions = TestWorld.Conditions(config, 2, seed: 5);
        using var batch = TestWorld.Batch(config, conditions);
        using var a = ttm.forward(batch);
        using var b = noMask.forward(batch);
        Assert.True(a.allclose(b, rtol: 0, atol: 1e-6), "gated-off added layers changed the output");
    }

    [Fact]
    public void Output_DependsOnEveryFrame_ThroughTheMotionModules()
    {
        var config = TestWorld.UnetConfig(ModelStage.Motion);
        using var model = new VideoUnet(config);
        TestWorld.Randomise(model);
        using var conditions = TestWorld.Conditions(config, 1, seed: 6);
        using var batch = TestWorld.Batch(config, conditions);
        using var before = model.forward(batch);
        using (no_grad()) batch.Noisy.select(2, config.Frames - 1).add_(1f); // change the last frame only
        using var after = model.forward(batch);
        float firstFrameChange = (after.select(2, 0) - before.select(2, 0)).abs().max().item<float>();
        Assert.True(firstFrameChange > 1e-6f, "frame 0 did not see the last frame");
    }

    [Theory]
    [InlineData("tiny", 1_500_000, 3_500_000)]
    public void NamedSize_HasItsParameterBudget(string size, long least, long most)
    {
        var config = TtmConfig.Named(size, Backbone.Unet) with { Stage = ModelStage.Video };
        using var model = new VideoUnet(config);
        long count = model.ParameterCount();
        Assert.InRange(count, least, most);
    }

    [Fact]
    public void UnetConfig_RoundTripsThroughJson_AndOldDitConfigsStillLoad()
    {
        var config = TtmConfig.Named("small", Backbone.Unet);
        Assert.Equal(config, TtmConfig.FromJson(config.ToJson()));
        var dit = TtmConfig.FromJson("""{ "Stage": "Video", "Hidden": 64, "Depth": 2, "Heads": 2, "MaskedBlocks": 1 }""");
        Assert.Equal(Backbone.Dit, dit.Backbone);
        Assert.DoesNotContain("Unet\"", TtmConfig.Named("tiny").ToJson());
    }
}

public sealed class VideoUnetGradientTests
{
    /// <summary>
    /// The gradients repeat exactly. They did not while the last convolution (C0 → 3) ran as libtorch's CPU Conv2d: its
    /// input gradient came out NaN or different from pass to pass, depending on the machine's load (the U-Net's training
    /// losses turned NaN at random), so that convolution runs as unfold × weights.
    /// </summary>
    [Theory]
    [InlineData(ModelStage.Motion, TtmVariant.Ttm)]
    [InlineData(ModelStage.Video, TtmVariant.NoMask)]
    [InlineData(ModelStage.Video, TtmVariant.Ttm)]
    public void Backward_OnTheSameWeightsAndBatch_GivesTheSameGradientsEveryTime(ModelStage stage, TtmVariant variant)
    {
        var config = TestWorld.UnetConfig(stage, variant);
        using var model = new VideoUnet(config);
        TestWorld.Randomise(model);
        using var conditions = TestWorld.Conditions(config, 2, seed: 3);
        using var batch = TestWorld.Batch(config, conditions);
        Dictionary<string, Tensor> Gradients()
        {
            model.zero_grad();
            using var output = model.forward(batch);
            using var loss = output.pow(2).mean();
            loss.backward();
            return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        }
        var first = Gradients();
        for (int pass = 1; pass < 4; pass++)
        {
            var again = Gradients();
            var differ = first.Where(kv => !kv.Value.eq(again[kv.Key]).all().item<bool>()).Select(kv => kv.Key).ToList();
            Assert.True(differ.Count == 0, $"pass {pass}: {differ.Count} of {first.Count} gradients differ, e.g. {string.Join(", ", differ.Take(3))}");
        }
    }
}

