using Ttm.Models.Text;
using static TorchSharp.torch;

namespace Ttm.Models.Tests;

/// <summary>Small seeded configs and conditions so model tests run in seconds without the text encoder.</summary>
static class TestWorld
{
    public static TtmConfig Config(ModelStage stage, TtmVariant variant = TtmVariant.Ttm, Prediction prediction = Prediction.Velocity,
        AttentionLayout attention = AttentionLayout.Factorized, bool motionReadsLocalPrompts = false) => new()
    {
        Stage = stage, Variant = variant, Prediction = prediction, Attention = attention, MotionReadsLocalPrompts = motionReadsLocalPrompts,
        Frames = 4, Height = 16, Width = 16, PatchSize = 4, Hidden = 32, Depth = 2, Heads = 2, MaskedBlocks = 1,
        TextWidth = 24, MaxObjects = 3,
    };

    /// <summary>A small U-Net of the same world: 4 frames of 16×16, levels at strides 1, 2, 4, attention at 2 and 4 (token groups pooled by 2 at the last).</summary>
    public static TtmConfig UnetConfig(ModelStage stage, TtmVariant variant = TtmVariant.Ttm, bool motionReadsLocalPrompts = false) =>
        Config(stage, variant, Prediction.V, motionReadsLocalPrompts: motionReadsLocalPrompts) with
        {
            Backbone = Backbone.Unet, PatchSize = 2, MaskedBlocks = 2,
            Unet = new UnetShape { Channels = 16, ChannelMultipliers = [1, 2, 2], LayersPerLevel = 1, HeadWidth = 8, NormGroups = 4 },
        };

    public static TextEmbedding Text(int seed, int length, int width = 24)
    {
        var random = new Random(seed);
        return new TextEmbedding(Enumerable.Range(0, length * width).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), length, width);
    }

    /// <summary>(1, T, H, W) labels: object l is a 4×4 square moving one pixel right per frame from its own start.</summary>
    public static Tensor MovingSquares(int objects, int frames = 4, int size = 16)
    {
        var labels = new long[frames * size * size];
        for (int t = 0; t < frames; t++)
        for (int l = 1; l <= objects; l++)
        {
            int x0 = 1 + t, y0 = (l - 1) * 5;
            for (int y = y0; y < y0 + 4; y++)
            for (int x = x0; x < x0 + 4; x++)
                labels[(t * size + y) * size + x] = l;
        }
        return tensor(labels, [1, frames, size, size]);
    }

    public static Tensor Image(int seed, int size = 16)
    {
        using var g = new Generator((ulong)seed);
        return rand([1, 3, size, size], generator: g) * 2 - 1;
    }

    public static StageConditions Conditions(TtmConfig config, int objects, int seed)
    {
        using var labels = MovingSquares(objects, config.Frames, config.Height);
        using var trajectory = TrajectoryPalette.Paint(labels);
        using var image = Image(seed, config.Height);
        var locals = Enumerable.Range(0, objects).Select(l => Text(seed * 10 + l, 3 + l)).ToList();
        if (config.Stage == ModelStage.Motion)
        {
            using var first = trajectory.select(2, 0);
            return StageConditions.ForMotion(config, first, image, Text(seed, 5 + seed % 3), locals);
        }
        return StageConditions.ForVideo(config, image, trajectory, Text(seed, 6), locals);
    }

    /// <summary>A batch of one row at flow time t with seeded noise.</summary>
    public static DitBatch Batch(TtmConfig config, StageConditions conditions, float t = 0.3f, int seed = 1)
    {
        using var g = new Generator((ulong)seed);
        using var noisy = randn([1, 3, config.Frames, config.Height, config.Width], generator: g);
        using var time = tensor(new[] { t });
        return StageConditions.Collate([conditions], noisy, time, config.TextWidth);
    }

    /// <summary>Gives the zero-initialised output layers small random values so that outputs depend on inputs.</summary>
    public static void Randomise(nn.Module model, int seed = 7)
    {
        using var g = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (p.abs().sum().item<float>() == 0f && !name.Contains("gate"))
                p.copy_(randn(p.shape, generator: g) * 0.05f);
    }
}
