using Ttm.Training.Training;
using static TorchSharp.torch;

namespace Ttm.Training.Tests;

/// <summary>The stage-1 loss option that weighs the pixels objects cover (an ablation; see docs/benchmarks.md).</summary>
public sealed class ForegroundWeightedLossTests
{
    [Fact]
    public void AnErrorOnAnObjectsPath_WeighsMoreThanTheSameErrorOnTheBackground()
    {
        using var data = full(new long[] { 1, 3, 2, 4, 4 }, -1f); // black trajectory …
        data[0, 1, 1, 0, 0] = tensor(1f);                          // … with one green object pixel, in frame 1 only
        using var onPath = data.clone();
        onPath[0, 1, 0, 0, 0] = tensor(0f);                        // error at (0, 0) in frame 0: the object's path
        using var offPath = data.clone();
        offPath[0, 1, 0, 3, 3] = tensor(0f);                       // the same error on the background

        float plain = nn.functional.mse_loss(onPath, data).item<float>();
        Assert.Equal(plain, nn.functional.mse_loss(offPath, data).item<float>());
        float path = StageTrainer.ForegroundWeightedLoss(onPath, data, data, 4).item<float>();
        float background = StageTrainer.ForegroundWeightedLoss(offPath, data, data, 4).item<float>();
        Assert.Equal(5 * background, path, 4); // weight 1 + 4 on the path, 1 elsewhere, same normaliser
        Assert.Equal(plain, StageTrainer.ForegroundWeightedLoss(onPath, data, data, 0).item<float>(), 5);
    }
}
