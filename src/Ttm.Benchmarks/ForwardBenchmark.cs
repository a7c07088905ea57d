using System.Diagnostics;
using Ttm.Models;
using Ttm.Models.Layers;
using Ttm.Models.Onnx;
using static TorchSharp.torch;

namespace Ttm.Benchmarks;

/// <summary>
/// Times one forward pass of a stage-2 network (inference mode) at batch 1, 3 (one request's guidance rows: what a
/// served step of one generation runs) and 8: masked layers on (TTM) vs
/// off (no-mask), and Eq. 3 by object groups vs the dense N×N mask, each with its rate (<see cref="ForwardFlops"/>) as a
/// fraction of libtorch's own fp32 matrix-product rate on this machine; and the same passes on ONNX Runtime's CPU
/// provider (the graph <see cref="VideoDitGraph"/> writes from the same weights: Eq. 3 with the dense mask), with the
/// largest difference from libtorch's output (the U-Net's graph: <see cref="VideoUnetGraph"/>; its FLOPs are not counted,
/// so its rows give times only). Counts parameters per named size. Every weight is random and non-zero (the added layers'
/// gates too), so each layer computes and the outputs compare.
/// </summary>
public static class ForwardBenchmark
{
    /// <param name="Backbone">dit or unet</param>
    /// <param name="Gflops">the pass's counted FLOPs (a lower bound) over its median time; none for the U-Net</param>
    /// <param name="ShareOfGemm">that rate over <see cref="GemmGflops"/>'s large-product rate</param>
    /// <param name="Runtime">libtorch, or onnxruntime</param>
    /// <param name="MaxDifferenceFromLibtorch">ONNX Runtime rows: the largest absolute difference from libtorch's output for the same input</param>
    public sealed record Timing(string Backbone, string Size, int Batch, string Variant, string SelfAttention, string Runtime, double MillisecondsMedian,
        double? GflopPerPass, double? Gflops, double? ShareOfGemm, double? MaxDifferenceFromLibtorch = null);

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

    public static IReadOnlyList<Timing> Run(Gemm gemm, string size = "tiny", int repeats = 10, Backbone backbone = Backbone.Dit)
    {
        var timings = new List<Timing>();
        foreach (int batch in new[] { 1, 3, 8 })
        foreach (var (variant, grouped, onnx) in new[] { (TtmVariant.Ttm, true, false), (TtmVariant.Ttm, false, false), (TtmVariant.Ttm, false, true),
                     (TtmVariant.NoMask, true, false), (TtmVariant.NoMask, true, true) })
        {
            var config = TtmConfig.Named(size, backbone) with { Stage = ModelStage.Video, Variant = variant };
            using var model = VideoDenoiser.Create(config);
            RandomWeights.ExerciseEveryLayer(model);
            model.eval();
            if (model is VideoDit dit) dit.UseDenseMask(!grouped);
            if (model is VideoUnet unet) unet.UseDenseMask(!grouped);
            using var onnxForward = onnx ? new OnnxForward(model) : null;
            {
                using var scope = NewDisposeScope();
                var rows = Enumerable.Range(0, batch).Select(i => SyntheticConditions.For(config, i)).ToList();
                var noisy = randn([batch, 3, config.Frames, config.Height, config.Width]);
                var time = full([batch], 0.5f);
                using var input = StageConditions.Collate(rows, noisy, time, config.TextWidth);
                using var inference = inference_mode();
                Tensor Pass() => onnxForward?.forward(input) ?? model.forward(input);
                double? difference = null;
                using (var first = Pass()) // warm-up
                    if (onnx)
                    {
                        using var reference = model.forward(input);
                        difference = (first - reference).abs().max().item<float>();
                    }
                var samples = new List<double>();
                for (int r = 0; r < repeats; r++)
                {
                    var clock = Stopwatch.StartNew();
                    Pass().Dispose();
                    samples.Add(clock.Elapsed.TotalMilliseconds);
                }
                samples.Sort();
                double median = samples[samples.Count / 2];
                double? flops = backbone == Backbone.Dit ? batch * ForwardFlops.PerRow(config, SyntheticConditions.TextTokens, SyntheticConditions.LocalTokens(3)) : null;
                double? rate = flops / (median / 1000) / 1e9;
                timings.Add(new Timing(backbone == Backbone.Unet ? "unet" : "dit", size, batch, variant == TtmVariant.Ttm ? "masked layers on" : "masked layers off",
                    variant == TtmVariant.NoMask ? "none" : grouped ? "per-object groups" : "dense NxN mask", onnx ? "onnxruntime" : "libtorch", median,
                    Round(flops / 1e9, 3), Round(rate, 1), Round(rate / gemm.LargeGflops, 3), difference));
                rows.ForEach(r => r.Dispose());
            }
        }
        return timings;
    }

    static double? Round(double? value, int digits) => value is { } v ? Math.Round(v, digits) : null;
}
