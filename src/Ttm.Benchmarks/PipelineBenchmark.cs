using System.Diagnostics;
using Ttm.Pipeline;

namespace Ttm.Benchmarks;

/// <summary>Per-stage wall time of whole generations in-process (median of the runs after a warm-up), and the process's peak memory.</summary>
public static class PipelineBenchmark
{
    public sealed record Report(int Runs, int StepsPerStage, int Cores, IReadOnlyDictionary<string, double> SecondsMedian, double PeakRssMb);

    public static async Task<Report> RunAsync(PipelineModels models, byte[] image, string prompt, int runs, int steps, CancellationToken cancellationToken)
    {
        var pipeline = new TtmPipeline(models);
        var output = Directory.CreateTempSubdirectory("ttm-bench-").FullName;
        var perRun = new List<Dictionary<string, double>>();
        try
        {
            for (int r = 0; r <= runs; r++) // run 0 warms up
            {
                var request = new PipelineRequest
                {
                    Image = image, Prompt = prompt, Seed = r, MotionSteps = steps, VideoSteps = steps, PreviewEvery = 4, OutputDirectory = output,
                };
                var clock = Stopwatch.StartNew();
                Completed? completed = null;
                await foreach (var e in pipeline.RunAsync(request, cancellationToken))
                    if (e is Completed c) completed = c;
                    else if (e is Failed f) throw new InvalidOperationException($"generation failed in {f.Stage.Name()}: {f.Reason}");
                if (r == 0) continue;
                var seconds = completed!.Seconds.ToDictionary(kv => kv.Key.Name(), kv => kv.Value);
                seconds["total"] = clock.Elapsed.TotalSeconds;
                perRun.Add(seconds);
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
        var median = perRun[0].Keys.ToDictionary(k => k, k => Math.Round(BenchmarkJson.Median(perRun.Select(p => p[k])), 3));
        return new Report(perRun.Count, steps, Environment.ProcessorCount, median, BenchmarkJson.PeakResidentMegabytes());
    }
}
