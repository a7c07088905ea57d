using Ttm.Models;
using Ttm.Models.Text;
using static TorchSharp.torch;

namespace Ttm.Benchmarks;

/// <summary>
/// Stage conditions for timing runs: square objects moving right (one per row band), a random first frame and
/// random prompt states of MiniLM's width. The shapes and groups are a real request's; the values do not matter.
/// </summary>
public static class SyntheticConditions
{
    /// <summary>(1, T, H, W) int64 labels: object l covers rows band l, shifted one column per frame.</summary>
    static Tensor Labels(TtmConfig config, int objects)
    {
        var labels = zeros([1, config.Frames, config.Height, config.Width], ScalarType.Int64);
        int side = config.Height / 5;
        for (int l = 1; l <= objects; l++)
        for (int t = 0; t < config.Frames; t++)
            labels[0, t, TensorIndex.Slice((l - 1) * side + 1, l * side), TensorIndex.Slice(t, t + side)] = l;
        return labels;
    }

    static TextEmbedding Text(TtmConfig config, Random random, int length) =>
        new(Enumerable.Range(0, length * config.TextWidth).Select(_ => random.NextSingle()).ToArray(), length, config.TextWidth);

    /// <summary>Conditions for the config's stage: stage 1 from the first masks, stage 2 from the whole trajectory.</summary>
    /// <summary>Tokens of the global prompt and of object i's local prompt.</summary>
    public const int TextTokens = 20;

    public static IReadOnlyList<int> LocalTokens(int objects) => Enumerable.Range(0, objects).Select(i => 8 + i).ToList();

    public static StageConditions For(TtmConfig config, int seed, int objects = 3)
    {
        var random = new Random(seed);
        using var labels = Labels(config, objects);
        using var trajectory = TrajectoryPalette.Paint(labels); // (1, 3, T, H, W)
        using var generator = new Generator((ulong)seed);
        using var noise = rand([1, 3, config.Height, config.Width], generator: generator);
        using var image = noise * 2 - 1;
        using var firstMasks = trajectory.select(2, 0);
        return config.Stage == ModelStage.Motion
            ? StageConditions.ForMotion(config, firstMasks, image, Text(config, random, TextTokens),
                config.MotionReadsLocalPrompts ? LocalTokens(objects).Select(length => Text(config, random, length)).ToList() : null)
            : StageConditions.ForVideo(config, image, trajectory, Text(config, random, TextTokens),
                LocalTokens(objects).Select(length => Text(config, random, length)).ToList());
    }
}
