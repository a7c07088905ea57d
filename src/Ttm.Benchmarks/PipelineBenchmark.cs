using System.Diagnostics;
using Ttm.Contracts;
using Ttm.Models.Sampling;
using Ttm.Pipeline;

namespace Ttm.Benchmarks;

/// <summary>Per-stage wall time of whole generations in-process (median of the runs after a warm-up), and the process's peak memory.</summary>
public static class PipelineBenchmark
{
    /// <summary>How the last run tied each plan object to a mask (method, and the mask's share of the segmented image).</summary>
    public sealed record GroundingSummary(string Name, string Method, string Detail, double AreaShare);

    /// <param name="Runtime">where the networks' passes ran (libtorch or onnxruntime)</param>
    /// <param name="StepCache">the generations' step cache (off: exact)</param>
    /// <param name="CachedStepsMedian">steps of both stages that skipped the blocks after the first (median per generation)</param>
    public sealed record Report(int Runs, int StepsPerStage, int Cores, string Runtime, string StepCache, IReadOnlyDictionary<string, double> SecondsMedian,
        double CachedStepsMedian, double PeakRssMb, IReadOnlyList<GroundingSummary> Grounding);

    /// <summary>One photograph: its sentence, the per-stage medians, and segmentation's share of the whole generation.</summary>
    public sealed record PhotoCase(string Photo, string Prompt, Report Report, double SegmentShare);

    /// <summary>The photographs from Debian's python3-skimage (build/fetch-photos.sh), each with a sentence that names its subject without a colour.</summary>
    public static readonly IReadOnlyList<(string Photo, string Prompt)> Photos =
    [
        ("chelsea.png", "the cat walks to the left"),
        ("coffee.png", "the cup moves to the left"),
        ("astronaut.png", "the person moves to the left"),
    ];

    public static async Task<IReadOnlyList<PhotoCase>> RunPhotosAsync(PipelineModels models, string photos, int runs, int steps, StepCachePolicy stepCache,
        CancellationToken cancellationToken)
    {
        var cases = new List<PhotoCase>();
        foreach (var (photo, prompt) in Photos)
        {
            var path = Path.Combine(photos, photo);
            if (!File.Exists(path)) throw new FileNotFoundException($"Photograph '{path}' is missing; run build/fetch-photos.sh.", path);
            var report = await RunAsync(models, await File.ReadAllBytesAsync(path, cancellationToken), prompt, runs, steps, stepCache, cancellationToken);
            cases.Add(new PhotoCase(photo, prompt, report, Math.Round(report.SecondsMedian["segment"] / report.SecondsMedian["total"], 3)));
        }
        return cases;
    }

    public static async Task<Report> RunAsync(PipelineModels models, byte[] image, string prompt, int runs, int steps, StepCachePolicy stepCache,
        CancellationToken cancellationToken)
    {
        var pipeline = new TtmPipeline(models);
        var output = Directory.CreateTempSubdirectory("ttm-bench-").FullName;
        var perRun = new List<Dictionary<string, double>>();
        var cachedSteps = new List<double>();
        IReadOnlyList<GroundingSummary> grounding = [];
        try
        {
            for (int r = 0; r <= runs; r++) // run 0 warms up
            {
                var request = new PipelineRequest
                {
                    Image = image, Prompt = prompt, Seed = r, MotionSteps = steps, VideoSteps = steps, PreviewEvery = 4, OutputDirectory = output,
                    StepCache = stepCache,
                };
                long cachedBefore = CachedSteps(models);
                var clock = Stopwatch.StartNew();
                Completed? completed = null;
                await foreach (var e in pipeline.RunAsync(request, cancellationToken))
                    if (e is Completed c) completed = c;
                    else if (e is SegmentationReady s)
                        grounding = s.Objects.Select(o => new GroundingSummary(o.Name, o.Method, o.Detail,
                            o.Mask is { } m ? Math.Round(m.Area / (double)m.Pixels.Length, 3) : 0)).ToList();
                    else if (e is Failed f) throw new InvalidOperationException($"generation failed in {f.Stage.Name()}: {f.Reason}");
                if (r == 0) continue;
                var seconds = completed!.Seconds.ToDictionary(kv => kv.Key.Name(), kv => kv.Value);
                seconds["total"] = clock.Elapsed.TotalSeconds;
                perRun.Add(seconds);
                cachedSteps.Add(CachedSteps(models) - cachedBefore);
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
        var median = perRun[0].Keys.ToDictionary(k => k, k => Math.Round(BenchmarkJson.Median(perRun.Select(p => p[k])), 3));
        return new Report(perRun.Count, steps, Environment.ProcessorCount, models.Runtime == Models.NetworkRuntime.OnnxRuntime ? "onnxruntime" : "libtorch",
            stepCache.Name, median, BenchmarkJson.Median(cachedSteps), BenchmarkJson.PeakResidentMegabytes(), grounding);
    }

    /// <summary>Steps both stages took from the step cache so far (the U-Net's DDIM sampler takes none).</summary>
    static long CachedSteps(PipelineModels models) =>
        new[] { models.MotionSampler, models.VideoSampler }.OfType<Models.Sampling.FlowSampler>().Sum(s => s.Counters.CachedSteps);
}
