using Ttm.Models.Weights;
using static TorchSharp.torch;

namespace Ttm.Models.Tests;

/// <summary>A stage 1 that also reads each object's local prompt, placed by s(0) (<see cref="TtmConfig.MotionReadsLocalPrompts"/>).</summary>
public sealed class MotionLocalPromptsTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("ttm-motion-local-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void ItCarriesMaskedCrossAttentionAlone_InTheFirstKBlocks()
    {
        using var plain = new VideoDit(TestWorld.Config(ModelStage.Motion));
        using var local = new VideoDit(TestWorld.Config(ModelStage.Motion, motionReadsLocalPrompts: true));
        Assert.All(plain.Blocks, b => Assert.False(b.HasAddedCross || b.HasAddedSelf));
        Assert.True(local.Blocks[0].HasAddedCross);
        Assert.False(local.Blocks[0].HasAddedSelf); // stage 1's objects have no groups past the first frame
        Assert.False(local.Blocks[1].HasAddedCross); // MaskedBlocks = 1
    }

    [Fact]
    public void EachObjectsPrompt_IsPlacedByItsFirstFrameBox_AtEveryFrame()
    {
        var config = TestWorld.Config(ModelStage.Motion, motionReadsLocalPrompts: true);
        using var conditions = TestWorld.Conditions(config, objects: 2, seed: 1);
        var boxes = conditions.TokenBoxes!; // (1, N, L)
        Assert.Equal(new long[] { 1, config.Tokens, 2 }, boxes.shape);
        using var perFrame = boxes.view(config.Frames, config.TokensPerFrame, 2);
        for (int t = 1; t < config.Frames; t++)
            Assert.True((perFrame[t] == perFrame[0]).all().item<bool>(), $"frame {t}'s boxes differ from s(0)'s");
        // The two squares start apart (rows 0-3 and 5-8): each box holds tokens the other's does not.
        Assert.True(perFrame[0].select(1, 0).logical_and(perFrame[0].select(1, 1).logical_not()).any().item<bool>());
        Assert.True(perFrame[0].select(1, 1).logical_and(perFrame[0].select(1, 0).logical_not()).any().item<bool>());
        Assert.Equal(2, conditions.LocalTexts.Count);
    }

    [Fact]
    public void WithoutLocalPrompts_ItSaysWhatIsMissing()
    {
        var config = TestWorld.Config(ModelStage.Motion, motionReadsLocalPrompts: true);
        using var masks = zeros(1, 3, config.Height, config.Width);
        using var frame = zeros(1, 3, config.Height, config.Width);
        var error = Assert.Throws<ArgumentException>(() => StageConditions.ForMotion(config, masks, frame, TestWorld.Text(1, 4)));
        Assert.Contains("local prompt", error.Message);
    }

    [Fact]
    public void ContinuedFromAStage1WithoutThem_ItStartsAsThatNetwork_ThenReadsThePrompts()
    {
        var plainConfig = TestWorld.Config(ModelStage.Motion, prediction: Prediction.Sample);
        var localConfig = plainConfig with { MotionReadsLocalPrompts = true };
        using var plain = new VideoDit(plainConfig);
        TestWorld.Randomise(plain);
        plain.eval();
        ModelWeights.Save(plain, folder);
        var file = Path.Combine(folder, ModelWeights.WeightsFile);
        using var local = new VideoDit(localConfig);
        // The added layers may be missing from the file; anything else missing is still an error.
        Assert.Throws<InvalidDataException>(() => ModelWeights.LoadInto(local, file));
        ModelWeights.LoadInto(local, file, VideoDitBlock.IsAddedLayerTensor);
        local.eval();

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var plainConditions = TestWorld.Conditions(plainConfig, objects: 2, seed: 4);
        using var localConditions = TestWorld.Conditions(localConfig, objects: 2, seed: 4);
        var before = plain.forward(TestWorld.Batch(plainConfig, plainConditions));
        var gatedOff = local.forward(TestWorld.Batch(localConfig, localConditions));
        Assert.True((before - gatedOff).abs().max().item<float>() < 1e-5f, "gated off, the added layer must change nothing");

        TestWorld.Randomise(local);
        local.Blocks[0].AddedCrossGate!.fill_(0.7f);
        var reading = local.forward(TestWorld.Batch(localConfig, localConditions));
        using var other = StageConditions.ForMotion(localConfig, localConditions.Visual.select(2, 0).narrow(1, 0, 3), localConditions.Visual.select(2, 0).narrow(1, 3, 3),
            localConditions.Text, [localConditions.LocalTexts[0], TestWorld.Text(99, 5)]);
        var otherPrompt = local.forward(TestWorld.Batch(localConfig, other));
        Assert.True((reading - otherPrompt).abs().max().item<float>() > 1e-3f, "a different second local prompt must change stage 1's output");
    }
}
