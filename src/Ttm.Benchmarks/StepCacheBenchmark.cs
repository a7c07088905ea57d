using Ttm.Models;
using Ttm.Models.Generation;
using Ttm.Models.Sampling;
using Ttm.Models.Text;
using Ttm.Pipeline.Devices;
using Ttm.Training.Benchmark;

namespace Ttm.Benchmarks;

/// <summary>One step-cache setting on the quality suite: work, speed alone and at 8 concurrent, and quality.</summary>
/// <remarks>
/// Row block forwards count each guidance row of the batch (three per step, one where the setting reuses the settled
/// guidance term): what adaptive guidance saves, which block forwards (one per request-step) do not see.
/// </remarks>
public sealed record StepCacheRun(
    string Setting, float Threshold, int MaxSkipsInARow, int FullFirstSteps, float GuidanceThreshold, int GuidanceMaxReusesInARow,
    double BlockForwardsPerGeneration, double RowBlockForwardsPerGeneration, double CachedStepShare, double GuidanceReuseShare,
    double SecondsAlone, double GenerationsPerMinuteAt8,
    IReadOnlyDictionary<string, double> Single, IReadOnlyDictionary<string, double> Multi);

/// <summary>Each setting against cache off: how many times fewer block forwards, how much more throughput, and quality differences with 95 % intervals.</summary>
public sealed record StepCacheGain(string Setting, double FewerBlockForwards, double FewerRowBlockForwards, double ThroughputAt8, double SpeedupAlone);

/// <param name="Runtime">where the networks' passes ran (libtorch or onnxruntime)</param>
public sealed record StepCacheReport(string Suite, int Cases, int Steps, int AloneCases, int MaxBatch, string Runtime,
    IReadOnlyList<StepCacheRun> Settings, IReadOnlyList<StepCacheGain> Gains, IReadOnlyList<VariantDifference> VersusOff);

/// <summary>
/// <c>./ttm bench caching</c>: the quality suite (Shapes-128, the true plans and first-frame masks) generated with
/// each step-cache setting through one device worker, eight cases in flight (their steps batched as served), and a
/// few cases alone. The first setting is the baseline (cache off); every case has the same seed under each setting.
/// </summary>
public static class StepCacheBenchmark
{
    public static readonly string[] Compared = ["direction_accuracy", "mask_iou", "video_psnr", "endpoint_error_px", "appearance_consistency"];

    public static async Task<StepCacheReport> RunAsync(VideoDit motionModel, VideoDit videoModel, ITextEncoder text, DeviceWorker worker,
        IReadOnlyList<BenchCase> suite, string suiteName, int steps, int aloneCases, IReadOnlyList<StepCachePolicy> settings, NetworkRuntime runtime,
        TextWriter? progress, CancellationToken cancellationToken)
    {
        if (settings.Count == 0 || !settings[0].IsOff)
            throw new ArgumentException("The first setting is the baseline and must be the cache off.", nameof(settings));
        var runs = new List<StepCacheRun>();
        var scoredBySetting = new List<IReadOnlyList<ScoredCase>>();
        bool onnx = runtime == NetworkRuntime.OnnxRuntime;
        using var motionOnnx = onnx ? new Models.Onnx.OnnxForward(motionModel, worker.Threads) : null;
        using var videoOnnx = onnx ? new Models.Onnx.OnnxForward(videoModel, worker.Threads) : null;
        if (onnx) worker.LeaveThePassesToOnnxRuntime(); // as PipelineModels serves them
        foreach (var policy in settings)
        {
            var options = new SamplingOptions(steps, GuidanceScales.Default, 0, policy);
            var (motion, video) = (new FlowSampler(motionModel, motionOnnx), new FlowSampler(videoModel, videoOnnx));
            var chain = new TwoStageChain(motion, video, text, new StageRunner(worker.StepperFor("bench")));
            progress?.WriteLine($"{policy.Name}: {suite.Count} cases, 8 in flight");
            var (scored, seconds) = await new QualityBenchmark(chain, options, options, concurrency: 8).RunAsync(suite, progress, cancellationToken);
            var (m, v) = (motion.Counters, video.Counters);
            var alone = suite.Take(aloneCases).ToList();
            var (_, aloneSeconds) = await new QualityBenchmark(chain, options, options, concurrency: 1).RunAsync(alone, null, cancellationToken);
            var report = QualityBenchmark.Report(suiteName, policy.Name, scored, seconds);
            long requestSteps = Math.Max(1, m.Steps + v.Steps);
            runs.Add(new StepCacheRun(policy.Name, policy.Threshold, policy.MaxSkipsInARow, policy.FullFirstSteps,
                policy.GuidanceRows.Threshold, policy.GuidanceRows.MaxReusesInARow,
                Math.Round((m.BlockForwards + v.BlockForwards) / (double)suite.Count, 1),
                Math.Round((m.RowBlockForwards + v.RowBlockForwards) / (double)suite.Count, 1),
                Math.Round((m.CachedSteps + v.CachedSteps) / (double)requestSteps, 3),
                Math.Round((m.GuidanceReuses + v.GuidanceReuses) / (double)requestSteps, 3),
                Math.Round(aloneSeconds / Math.Max(1, alone.Count), 3), Math.Round(suite.Count / seconds * 60, 1),
                report.Single, report.Multi));
            scoredBySetting.Add(scored);
        }

        var baseline = runs[0];
        var gains = runs.Skip(1).Select(r => new StepCacheGain(r.Setting,
            Math.Round(baseline.BlockForwardsPerGeneration / r.BlockForwardsPerGeneration, 3),
            Math.Round(baseline.RowBlockForwardsPerGeneration / r.RowBlockForwardsPerGeneration, 3),
            Math.Round(r.GenerationsPerMinuteAt8 / baseline.GenerationsPerMinuteAt8, 3),
            Math.Round(baseline.SecondsAlone / r.SecondsAlone, 3))).ToList();
        var differences = new List<VariantDifference>();
        for (int s = 1; s < runs.Count; s++)
            foreach (var (split, multi) in new[] { ("single", false), ("multi", true) })
            {
                var a = scoredBySetting[s].Where(c => c.Case.IsMulti == multi).ToList();
                var b = scoredBySetting[0].Where(c => c.Case.IsMulti == multi).ToList();
                foreach (var metric in Compared)
                    differences.Add(PairedBootstrap.Compare(runs[s].Setting, a, baseline.Setting, b, split, metric));
            }
        return new StepCacheReport(suiteName, suite.Count, steps, aloneCases, worker.MaxBatch, onnx ? "onnxruntime" : "libtorch", runs, gains, differences);
    }
}
