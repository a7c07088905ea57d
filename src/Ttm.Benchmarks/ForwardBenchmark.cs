using System.Diagnostics;
using Ttm.Models;
using Ttm.Models.Layers;
using static TorchSharp.torch;

namespace Ttm.Benchmarks;

/// <summary>
/// Times one forward pass of a stage-2 network (inference mode) at batch 1 and 8: masked layers on (TTM) vs
/// off (no-mask), and Eq. 3 by object groups vs the dense N×N mask; counts parameters per named size.
/// </summary>
public static class ForwardBenchmark
{
    public sealed record Timing(string Size, int Batch, string Variant, string SelfAttention, double MillisecondsMedian);

    public static IReadOnlyDictionary<string, long> ParameterCounts() =>
        TtmConfig.Sizes.ToDictionary(kv => kv.Key, kv =>
        {
            using var model = new VideoDit(kv.Value with { Stage = ModelStage.Video });
            return model.ParameterCount();
        });

    public static IReadOnlyList<Timing> Run(string size = "tiny", int repeats = 10)
    {
        var timings = new List<Timing>();
        foreach (int batch in new[] { 1, 8 })
        foreach (var (variant, grouped) in new[] { (TtmVariant.Ttm, true), (TtmVariant.Ttm, false), (TtmVariant.NoMask, true) })
        {
            var config = TtmConfig.Named(size) with { Stage = ModelStage.Video, Variant = variant };
            using var model = new VideoDit(config);
            model.eval();
            model.UseDenseMaskReference(!grouped);
            {
                using var scope = NewDisposeScope();
                var rows = Enumerable.Range(0, batch).Select(i => SyntheticConditions.For(config, i)).ToList();
                var noisy = randn([batch, 3, config.Frames, config.Height, config.Width]);
                var time = full([batch], 0.5f);
                using var input = StageConditions.Collate(rows, noisy, time, config.TextWidth);
                using var inference = inference_mode();
                model.forward(input).Dispose(); // warm-up
                var samples = new List<double>();
                for (int r = 0; r < repeats; r++)
                {
                    var clock = Stopwatch.StartNew();
                    model.forward(input).Dispose();
                    samples.Add(clock.Elapsed.TotalMilliseconds);
                }
                samples.Sort();
                timings.Add(new Timing(size, batch, variant == TtmVariant.Ttm ? "masked layers on" : "masked layers off",
                    variant == TtmVariant.NoMask ? "none" : grouped ? "per-object groups" : "dense NxN mask", samples[samples.Count / 2]));
                rows.ForEach(r => r.Dispose());
            }
        }
        return timings;
    }
}
