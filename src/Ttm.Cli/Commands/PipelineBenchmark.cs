using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Ttm.Models.Text;
using Ttm.Pipeline;
using Ttm.Pipeline.Planning;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm bench pipeline</c>: per-stage wall time of whole generations in-process, and the process's peak memory, as JSON.</summary>
static class PipelineBenchmark
{
    public static Command Create()
    {
        var image = new Option<FileInfo>("--image") { DefaultValueFactory = _ => new FileInfo(Path.Combine("samples", "two-squares.png")) };
        var prompt = new Option<string>("--prompt") { DefaultValueFactory = _ => "The red square moves right while the white square slides down slowly." };
        var runs = new Option<int>("--runs") { DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 16 };
        var command = new Command("pipeline", "Per-stage wall time (plan, segment, motion, video, encode) and peak memory of in-process generations") { image, prompt, runs, steps };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var models = PipelineModels.Load(ModelLocations.Resolve(), MiniLmTextEncoder.Shared, new RulePromptPlanner());
            var pipeline = new TtmPipeline(models);
            var bytes = await File.ReadAllBytesAsync(result.GetValue(image)!.FullName, cancellationToken);
            var output = Directory.CreateTempSubdirectory("ttm-bench-").FullName;
            var perRun = new List<Dictionary<string, double>>();
            for (int r = 0; r <= result.GetValue(runs); r++) // run 0 warms up
            {
                var request = new PipelineRequest
                {
                    Image = bytes, Prompt = result.GetValue(prompt)!, Seed = r, MotionSteps = result.GetValue(steps), VideoSteps = result.GetValue(steps),
                    PreviewEvery = 4, OutputDirectory = output,
                };
                var clock = Stopwatch.StartNew();
                Completed? completed = null;
                await foreach (var e in pipeline.RunAsync(request, cancellationToken))
                    if (e is Completed c) completed = c;
                    else if (e is Failed f) throw new InvalidOperationException($"generation failed in {f.Stage}: {f.Reason}");
                if (r == 0) continue;
                var seconds = completed!.Seconds.ToDictionary(kv => kv.Key.Name(), kv => kv.Value);
                seconds["total"] = clock.Elapsed.TotalSeconds;
                perRun.Add(seconds);
            }
            Directory.Delete(output, recursive: true);
            var median = perRun[0].Keys.ToDictionary(k => k, k => Math.Round(perRun.Select(p => p[k]).Order().ElementAt(perRun.Count / 2), 3));
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                runs = perRun.Count,
                steps_per_stage = result.GetValue(steps),
                cores = Environment.ProcessorCount,
                seconds_median = median,
                peak_rss_mb = PeakResidentMegabytes(),
            }, new JsonSerializerOptions { WriteIndented = true }));
        });
        return command;
    }

    /// <summary>VmHWM of this process (Linux), in MB.</summary>
    public static double PeakResidentMegabytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:"));
        return line is null ? double.NaN : Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0, 1);
    }
}
