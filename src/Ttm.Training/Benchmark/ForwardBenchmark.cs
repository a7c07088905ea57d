using System.Diagnostics;
using Ttm.Models;
using Ttm.Models.Layers;
using Ttm.Models.Text;
using static TorchSharp.torch;

namespace Ttm.Training.Benchmark;

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
            MaskedSelfAttention.UseDenseReference = !grouped;
            try
            {
                using var scope = NewDisposeScope();
                var rows = Enumerable.Range(0, batch).Select(i => Conditions(config, i)).ToList();
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
            finally
            {
                MaskedSelfAttention.UseDenseReference = false;
            }
        }
        return timings;
    }

    /// <summary>Three square objects moving apart, with random prompt states of MiniLM's width.</summary>
    static StageConditions Conditions(TtmConfig config, int seed)
    {
        var labels = zeros([1, config.Frames, config.Height, config.Width], ScalarType.Int64);
        int side = config.Height / 5;
        for (int l = 1; l <= 3; l++)
        for (int t = 0; t < config.Frames; t++)
            labels[0, t, TensorIndex.Slice((l - 1) * side + 1, l * side), TensorIndex.Slice(t, t + side)] = l;
        var trajectory = TrajectoryPalette.Paint(labels);
        var image = rand([1, 3, config.Height, config.Width]) * 2 - 1;
        var random = new Random(seed);
        TextEmbedding Text(int length) => new(Enumerable.Range(0, length * config.TextWidth).Select(_ => random.NextSingle()).ToArray(), length, config.TextWidth);
        return StageConditions.ForVideo(config, image, trajectory, Text(20), [Text(9), Text(10), Text(8)]);
    }
}
