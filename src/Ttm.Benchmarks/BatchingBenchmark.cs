using System.Diagnostics;
using TorchSharp;
using Ttm.Models;
using Ttm.Models.Sampling;
using static TorchSharp.torch;

namespace Ttm.Benchmarks;

/// <summary>
/// What continuous batching can win on a device: one denoising step (<see cref="FlowSampler.Advance"/>, three
/// guidance rows per request) for k requests in one forward pass, against k passes of one request. The device
/// worker's batches are exactly these calls. Random weights of a named size: timing does not depend on them.
/// </summary>
public static class BatchingBenchmark
{
    /// <param name="Speedup">k single-request steps' time over one k-request step's</param>
    public sealed record Timing(string Stage, int Requests, int Rows, double MillisecondsMedian, double MillisecondsPerRequest, double Speedup);

    public static IReadOnlyList<Timing> Run(Device device, string size = "tiny", IReadOnlyList<int>? requestCounts = null, int repeats = 10)
    {
        requestCounts ??= [1, 2, 4, 8];
        var timings = new List<Timing>();
        foreach (var stage in new[] { ModelStage.Motion, ModelStage.Video })
        {
            var config = TtmConfig.Named(size) with { Stage = stage, Variant = TtmVariant.Ttm };
            using var model = new VideoDit(config);
            model.to(device);
            model.eval();
            timings.AddRange(Steps(new FlowSampler(model), config, device, requestCounts, repeats));
        }
        return timings;
    }

    /// <summary>
    /// The median of <paramref name="repeats"/> timed steps of k requests in one pass of <paramref name="sampler"/> (after one
    /// untimed), for each k of <paramref name="requestCounts"/>; k = 1 is timed too, as the speed-up's reference.
    /// </summary>
    public static IEnumerable<Timing> Steps(FlowSampler sampler, TtmConfig config, Device device, IReadOnlyList<int> requestCounts, int repeats)
    {
        double single = double.NaN;
        foreach (int k in requestCounts.Prepend(1).Distinct())
        {
            using var scope = NewDisposeScope();
            var requests = Enumerable.Range(0, k)
                .Select(i => sampler.Start(SyntheticConditions.For(config, i), new SamplingOptions(repeats + 1, GuidanceScales.Default, i)))
                .ToList();
            var samples = new List<double>();
            for (int r = 0; r <= repeats; r++) // one run of repeats + 1 steps
            {
                var clock = Stopwatch.StartNew();
                foreach (var result in sampler.Advance(requests)) result.Dispose();
                TorchDevices.Synchronize(device);
                if (r > 0) samples.Add(clock.Elapsed.TotalMilliseconds); // the first pass warms up
            }
            double median = BenchmarkJson.Median(samples);
            if (k == 1) single = median;
            if (requestCounts.Contains(k))
                yield return new Timing(config.Stage.ToString().ToLowerInvariant(), k, k * Models.Simulation.DeviceCostModel.RowsPerRequest, Math.Round(median, 2),
                    Math.Round(median / k, 2), Math.Round(k * single / median, 2));
            requests.ForEach(q => { q.Conditions.Dispose(); q.Dispose(); });
        }
    }
}
