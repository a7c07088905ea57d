using Ttm.Models;
using Ttm.Training.Training;

namespace Ttm.Training.Tests;

public sealed class StageTrainerTests : IDisposable
{
    readonly string run = Directory.CreateTempSubdirectory("ttm-run-").FullName;

    public void Dispose() => Directory.Delete(run, recursive: true);

    static readonly TtmConfig Small = new()
    {
        Frames = 4, Height = 16, Width = 16, PatchSize = 4, Hidden = 48, Depth = 2, Heads = 2, MaskedBlocks = 1,
    };

    TrainingOptions Options(ModelStage stage, int steps, string? directory = null, TtmVariant variant = TtmVariant.Ttm) => new()
    {
        Stage = stage, Variant = variant, RunDirectory = directory ?? run, Model = Small, Steps = steps, BatchSize = 6,
        LearningRate = 2e-3, WarmupSteps = 2, CheckpointEvery = 1000, LogEvery = 1000, Seed = 3,
    };

    [Theory]
    [InlineData(ModelStage.Motion, TtmVariant.Ttm)]
    [InlineData(ModelStage.Video, TtmVariant.Ttm)]
    [InlineData(ModelStage.Motion, TtmVariant.Flow)]
    [InlineData(ModelStage.Video, TtmVariant.Flow)]
    public void TwentySteps_LowerTheLoss(ModelStage stage, TtmVariant variant)
    {
        using var trainer = new StageTrainer(Options(stage, 20, variant: variant), MiniLm.Encoder, TextWriter.Null);
        var losses = Enumerable.Range(0, 20).Select(_ => trainer.TrainStep()).ToList();
        double first = losses.Take(4).Average(), last = losses.TakeLast(4).Average();
        Assert.True(last < 0.8 * first, $"loss went from {first:F4} to {last:F4}");
    }

    [Fact]
    public void AStage1ThatReadsLocalPrompts_ContinuedFromOneThatDoesNot_LearnsToReadThem()
    {
        var plain = Path.Combine(run, "plain");
        using (var trainer = new StageTrainer(Options(ModelStage.Motion, 2, plain), MiniLm.Encoder, TextWriter.Null))
            trainer.Run("test");
        var options = Options(ModelStage.Motion, 8, Path.Combine(run, "local")) with
        {
            InitialWeights = Path.Combine(plain, "model"), MotionReadsLocalPrompts = true, DropMotionPrompt = 1.0,
        };
        using var local = new StageTrainer(options, MiniLm.Encoder, TextWriter.Null);
        var gate = ((VideoDit)local.Ema).Blocks[0].AddedCrossGate!;
        Assert.Equal(0f, gate.item<float>()); // continued gated off: it starts as the network it continues
        using var start = Models.Weights.ModelWeights.Load(Path.Combine(plain, "model"));
        Assert.True(((VideoDit)local.Ema).Blocks[1].state_dict()["adaLN.weight"].equal(start.Blocks[1].state_dict()["adaLN.weight"]).all().item<bool>());
        local.Run("test");
        // With c_motion nulled the only prompts are the local ones: the gate gets a gradient (and leaves exactly 0) only
        // if they reach the added layer; how far it moves in 8 steps depends on the draw, so only "moved" is asserted.
        Assert.True(gate.item<float>() != 0f, "the added cross-attention's gate never moved: the local prompts did not reach it");
        Assert.False(((VideoDit)local.Ema).Blocks[0].HasAddedSelf);
    }

    [Fact]
    public void InterruptedAndResumed_EndsWithTheSameWeightsAsOneRun()
    {
        var straight = Path.Combine(run, "straight");
        var interrupted = Path.Combine(run, "interrupted");
        using (var trainer = new StageTrainer(Options(ModelStage.Motion, 6, straight), MiniLm.Encoder, TextWriter.Null))
            trainer.Run("test");
        using (var trainer = new StageTrainer(Options(ModelStage.Motion, 3, interrupted), MiniLm.Encoder, TextWriter.Null))
            trainer.Run("test");
        using (var resumed = new StageTrainer(Options(ModelStage.Motion, 6, interrupted), MiniLm.Encoder, TextWriter.Null))
        {
            Assert.Equal(3, resumed.Step);
            var state = resumed.Run("test");
            Assert.Equal(6, state.Step);
        }
        using var a = Models.Weights.ModelWeights.Load(Path.Combine(straight, "model"));
        using var b = Models.Weights.ModelWeights.Load(Path.Combine(interrupted, "model"));
        var expected = a.state_dict();
        foreach (var (name, tensor) in b.state_dict())
            Assert.True(tensor.allclose(expected[name], rtol: 1e-5, atol: 1e-6), $"{name} differs after resuming");
    }

    static readonly TtmConfig SmallUnet = TtmConfig.Named("tiny", Backbone.Unet) with
    {
        Frames = 4, Height = 16, Width = 16, PatchSize = 2, MaskedBlocks = 2,
        Unet = new UnetShape { Channels = 16, ChannelMultipliers = [1, 2, 2], LayersPerLevel = 1, HeadWidth = 8, NormGroups = 4 },
    };

    [Theory]
    [InlineData(ModelStage.Motion, true)]
    [InlineData(ModelStage.Video, true)]
    [InlineData(ModelStage.Motion, false)] // the ablation without zero terminal SNR
    public void Unet_TwentySteps_LowerTheVPredictionLoss(ModelStage stage, bool zeroTerminalSnr)
    {
        var options = Options(stage, 20) with { Model = SmallUnet, ZeroTerminalSnr = zeroTerminalSnr };
        using var trainer = new StageTrainer(options, MiniLm.Encoder, TextWriter.Null);
        Assert.IsType<VideoUnet>(trainer.Ema);
        Assert.Equal(zeroTerminalSnr, trainer.Ema.Config.ZeroTerminalSnr);
        var losses = Enumerable.Range(0, 20).Select(_ => trainer.TrainStep()).ToList();
        Assert.True(trainer.SkippedSteps <= 1, $"{trainer.SkippedSteps} steps had non-finite gradients");
        Assert.All(trainer.Ema.parameters(), p => Assert.False(p.isnan().any().item<bool>())); // a skipped step leaves the weights finite
        losses = losses.Where(double.IsFinite).ToList();
        double first = losses.Take(4).Average(), last = losses.TakeLast(4).Average();
        Assert.True(last < 0.9 * first, $"loss went from {first:F4} to {last:F4}: {string.Join(" ", losses.Select(l => l.ToString("F3")))}");
    }

    [Fact]
    public void Unet_InterruptedAndResumed_EndsWithTheSameWeightsAsOneRun()
    {
        TrainingOptions UnetOptions(int steps, string directory) => Options(ModelStage.Video, steps, directory) with { Model = SmallUnet, BatchSize = 2 };
        var straight = Path.Combine(run, "straight");
        var interrupted = Path.Combine(run, "interrupted");
        using (var trainer = new StageTrainer(UnetOptions(4, straight), MiniLm.Encoder, TextWriter.Null))
            trainer.Run("test");
        using (var trainer = new StageTrainer(UnetOptions(2, interrupted), MiniLm.Encoder, TextWriter.Null))
            trainer.Run("test");
        using (var resumed = new StageTrainer(UnetOptions(4, interrupted), MiniLm.Encoder, TextWriter.Null))
        {
            Assert.Equal(2, resumed.Step);
            Assert.Equal(4, resumed.Run("test").Step);
        }
        using var a = Models.Weights.ModelWeights.LoadNetwork(Path.Combine(straight, "model"));
        using var b = Models.Weights.ModelWeights.LoadNetwork(Path.Combine(interrupted, "model"));
        Assert.IsType<VideoUnet>(b);
        var expected = a.state_dict();
        var differ = b.state_dict().Where(kv => !kv.Value.allclose(expected[kv.Key], rtol: 1e-5, atol: 1e-6))
            .Select(kv => $"{kv.Key} by {(kv.Value - expected[kv.Key]).abs().max().item<float>()} (nan {kv.Value.isnan().any().item<bool>()}/{expected[kv.Key].isnan().any().item<bool>()})").ToList();
        Assert.True(differ.Count == 0, $"{differ.Count} of {expected.Count} tensors differ after resuming: {string.Join("; ", differ.Take(6))}");
    }
}
