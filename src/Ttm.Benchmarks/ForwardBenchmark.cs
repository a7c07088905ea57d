using System.Diagnostics;
using Ttm.Models;
using Ttm.Models.Layers;
using static TorchSharp.torch;

namespace Ttm.Benchmarks;

/// <summary>
/// Times one forward pass of a stage-2 network (inference mode) at batch 1, 3 (one request's guidance rows: what a
/// served step of one generation runs) and 8: masked layers on (TTM) vs
/// off (no-mask), and Eq. 3 by object groups vs the dense N×N mask, each with its rate (<see cref="ForwardFlops"/>) as a
/// fraction of libtorch's own fp32 matrix-product rate on this machine; counts parameters per named size.
/// </summary>
public static class ForwardBenchmark
{
    /// <param name="Gflops">the pass's counted FLOPs (a lower bound) over its median time</param>
    /// <param name="ShareOfGemm">that rate over <see cref="GemmGflops"/>'s large-product rate</param>
    public sealed record Timing(string Size, int Batch, string Variant, string SelfAttention, double MillisecondsMedian, double GflopPerPass, double Gflops,
        double ShareOfGemm);

    /// <summary>
    /// libtorch's fp32 matrix-product rate with this process's threads: a large square product (1024², what the machine can
    /// do) and the tiny model's own shape (its 512 tokens × 128 → 384 QKV projection at batch 1, what such small products get).
    /// </summary>
    public sealed record Gemm(int Threads, double LargeGflops, double ModelShapeGflops);

    public static Gemm GemmGflops(int repeats = 20)
    {
        double Rate(long m, long k, long n)
        {
            using var scope = NewDisposeScope();
            var a = randn(m, k);
            var b = randn(k, n);
            using var inference = inference_mode();
            for (int w = 0; w < 3; w++) mm(a, b).Dispose();
            var samples = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                mm(a, b).Dispose();
                samples.Add(clock.Elapsed.TotalSeconds);
            }
            samples.Sort();
            return Math.Round(2.0 * m * k * n / samples[samples.Count / 2] / 1e9, 1);
        }
        return new Gemm(get_num_threads(), Rate(1024, 1024, 1024), Rate(512, 128, 384));
    }

    public static IReadOnlyDictionary<string, long> ParameterCounts() =>
        TtmConfig.Sizes.ToDictionary(kv => kv.Key, kv =>
        {
            using var model = new VideoDit(kv.Value with { Stage = ModelStage.Video });
            return model.ParameterCount();
        });

    public static IReadOnlyList<Timing> Run(Gemm gemm, string size = "tiny", int repeats = 10)
    {
        var timings = new List<Timing>();
        foreach (int batch in new[] { 1, 3, 8 })
        foreach (var (variant, grouped) in new[] { (TtmVariant.Ttm, true), (TtmVariant.Ttm, false), (TtmVariant.NoMask, true) })
        {
            var config = TtmConfig.Named(size) with { Stage = ModelStage.Video, Variant = variant };
            using var model = new VideoDit(config);
            model.eval();
            model.UseDenseMask(!grouped);
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
                double median = samples[samples.Count / 2];
                double flops = batch * ForwardFlops.PerRow(config, SyntheticConditions.TextTokens, SyntheticConditions.LocalTokens(3));
                double rate = flops / (median / 1000) / 1e9;
                timings.Add(new Timing(size, batch, variant == TtmVariant.Ttm ? "masked layers on" : "masked layers off",
                    variant == TtmVariant.NoMask ? "none" : grouped ? "per-object groups" : "dense NxN mask", median,
                    Math.Round(flops / 1e9, 3), Math.Round(rate, 1), Math.Round(rate / gemm.LargeGflops, 3)));
                rows.ForEach(r => r.Dispose());
            }
        }
        return timings;
    }
}
