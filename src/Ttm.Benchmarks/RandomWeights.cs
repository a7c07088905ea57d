using Ttm.Models;
using Ttm.Models.Weights;
using static TorchSharp.torch;

namespace Ttm.Benchmarks;

/// <summary>
/// Networks of a named size with random weights, for timing and data-plane runs (what they compute does not matter, how
/// much does): every layer computes something, and a models folder of them serves like a trained one.
/// </summary>
public static class RandomWeights
{
    /// <summary>Small random values in place of the zero-initialised layers and gates, so every layer computes something.</summary>
    public static void ExerciseEveryLayer(VideoDenoiser model)
    {
        using var generator = new Generator(7);
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("gate")) p.fill_(0.5f);
            else if (p.abs().sum().item<float>() == 0f) p.copy_(randn(p.shape, generator: generator) * 0.05f);
    }

    /// <summary>
    /// A models folder (motion/ and video-ttm/) of the DiT size <paramref name="size"/> ("small", "base"): each stage's
    /// config is the shipped one's (<paramref name="shipped"/>: its conditions, variant and prediction) at that size.
    /// </summary>
    public static void WriteModels(string folder, string size, string shipped)
    {
        foreach (var stage in new[] { "motion", "video-ttm" })
        {
            using var model = VideoDenoiser.Create(Sized(ModelWeights.ReadConfig(Path.Combine(shipped, stage)), size));
            ExerciseEveryLayer(model);
            ModelWeights.Save(model, Path.Combine(folder, stage));
        }
    }

    /// <summary><paramref name="config"/> (its conditions, variant and prediction) at the DiT size <paramref name="size"/>.</summary>
    public static TtmConfig Sized(TtmConfig config, string size)
    {
        var sized = TtmConfig.Named(size);
        return config with
        {
            Frames = sized.Frames, Height = sized.Height, Width = sized.Width, PatchSize = sized.PatchSize,
            Hidden = sized.Hidden, Depth = sized.Depth, Heads = sized.Heads, MaskedBlocks = sized.MaskedBlocks,
        };
    }
}
