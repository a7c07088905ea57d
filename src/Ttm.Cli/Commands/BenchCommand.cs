using System.CommandLine;
using Ttm.Models;
using Ttm.Models.Generation;
using Ttm.Models.Sampling;
using Ttm.Models.Text;
using Ttm.Models.Weights;
using Ttm.Pipeline.Devices;
using Ttm.Training.Benchmark;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm bench quality [--cases DIR] [--variant NAME]... [--json FILE]</c></summary>
static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks that print JSON");
        bench.Subcommands.Add(Quality());
        bench.Subcommands.Add(Forward());
        bench.Subcommands.Add(Batching());
        bench.Subcommands.Add(PipelineBenchmark.Create());
        bench.Subcommands.Add(OverheadBenchmark.Create());
        bench.Subcommands.Add(ServingBenchmark.Create());
        bench.Subcommands.Add(WorkerBenchmark.Create());
        return bench;
    }

    static Command Forward()
    {
        var size = new Option<string>("--size") { DefaultValueFactory = _ => "tiny" };
        var repeats = new Option<int>("--repeats") { DefaultValueFactory = _ => 10 };
        var command = new Command("forward", "One stage-2 forward pass at batch 1 and 8: masked layers on/off, grouped vs dense Eq. 3; parameters per size") { size, repeats };
        command.SetAction(result =>
        {
            var json = System.Text.Json.JsonSerializer.Serialize(new
            {
                threads = TorchSharp.torch.get_num_threads(),
                parameters = ForwardBenchmark.ParameterCounts(),
                forward = ForwardBenchmark.Run(result.GetValue(size)!, result.GetValue(repeats)),
            }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower });
            Console.WriteLine(json);
        });
        return command;
    }

    static Command Batching()
    {
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var size = new Option<string>("--size") { DefaultValueFactory = _ => "tiny" };
        var requests = new Option<int[]>("--requests") { DefaultValueFactory = _ => [1, 2, 4, 8], AllowMultipleArgumentsPerToken = true };
        var repeats = new Option<int>("--repeats") { DefaultValueFactory = _ => 10 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for the networks (default: all cores)" };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the JSON here" };
        var command = new Command("batching", "One denoising step of k requests in one forward pass vs k passes, per stage, on a device") { device, size, requests, repeats, threads, json };
        command.SetAction(result =>
        {
            if (result.GetValue(threads) is int n) TorchSharp.torch.set_num_threads(n);
            var target = TorchDevices.Parse(result.GetValue(device)!);
            var timings = BatchingBenchmark.Run(target, result.GetValue(size)!, result.GetValue(requests)!, result.GetValue(repeats));
            var output = System.Text.Json.JsonSerializer.Serialize(new
            {
                device = target.ToString(),
                threads = TorchSharp.torch.get_num_threads(),
                steps = timings,
            }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower });
            Console.WriteLine(output);
            if (result.GetValue(json) is { } file) File.WriteAllText(file.FullName, output);
        });
        return command;
    }

    static Command Quality()
    {
        var cases = new Option<DirectoryInfo?>("--cases") { Description = "Folder of case folders (default: the Shapes-128 suite)" };
        var variants = new Option<string[]>("--variant") { Description = "ttm, ti2v, no-mask, cross-only, self-only (repeat for Table 3)", DefaultValueFactory = _ => ["ttm"], AllowMultipleArgumentsPerToken = true };
        var models = new Option<DirectoryInfo>("--models") { Description = "Folder with motion/ and video-<variant>/ model folders", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("models", "tiny")) };
        var motion = new Option<DirectoryInfo?>("--motion") { Description = "Override: stage-1 model folder" };
        var video = new Option<DirectoryInfo?>("--video") { Description = "Override: stage-2 model folder (single variant)" };
        var perSplit = new Option<int>("--per-split") { Description = "Cases per split of the default suite", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Euler steps per stage", DefaultValueFactory = _ => 16 };
        var visual = new Option<float>("--guidance-visual") { DefaultValueFactory = _ => GuidanceScales.Default.Visual };
        var text = new Option<float>("--guidance-text") { DefaultValueFactory = _ => GuidanceScales.Default.Text };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the JSON here" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for the networks (default: all cores)" };
        var sheets = new Option<DirectoryInfo>("--sheets") { Description = "Where contact sheets go", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "bench")) };
        var command = new Command("quality", "Direction accuracy, endpoint error, mask IoU, PSNR, SSIM, appearance consistency per split")
        {
            cases, variants, models, motion, video, perSplit, steps, visual, text, json, sheets, threads,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            // The served path: every step through a device worker, concurrent cases batched as the server batches them.
            using var worker = new DeviceWorker("cpu:0", threads: result.GetValue(threads));
            var suite = result.GetValue(cases) is { } folder
                ? Directory.GetDirectories(folder.FullName).Order().Select(BenchCase.Read).ToList()
                : QualityBenchmark.Shapes128(result.GetValue(perSplit));
            string suiteName = result.GetValue(cases) is { } f ? f.Name : $"Shapes-{suite.Count}";
            var options = new SamplingOptions(result.GetValue(steps), new GuidanceScales(result.GetValue(visual), result.GetValue(text)), 0);
            var root = result.GetValue(models)!.FullName;
            var reports = new List<QualityReport>();
            Directory.CreateDirectory(result.GetValue(sheets)!.FullName);
            foreach (var variantName in result.GetValue(variants)!)
            {
                var variant = TrainCommand.ParseVariant(variantName);
                var videoDirectory = result.GetValue(video)?.FullName ?? Path.Combine(root, $"video-{variantName}");
                var motionDirectory = result.GetValue(motion)?.FullName ?? Path.Combine(root, "motion");
                using var videoModel = ModelWeights.Load(videoDirectory);
                if (videoModel.Config.Variant != variant)
                    throw new InvalidDataException($"{videoDirectory} holds a {videoModel.Config.Variant} model, not {variant}.");
                using var motionModel = variant == TtmVariant.Ti2v ? null : ModelWeights.Load(motionDirectory);
                videoModel.eval();
                motionModel?.eval();
                var chain = new TwoStageChain(motionModel is null ? null : new FlowSampler(motionModel), new FlowSampler(videoModel),
                    MiniLmTextEncoder.Shared, new StageRunner(worker.StepperFor("bench")));
                Console.Error.WriteLine($"{variantName}: {suite.Count} cases, max batch {worker.MaxBatch}");
                var (scored, seconds) = await new QualityBenchmark(chain, options, options).RunAsync(suite, Console.Error, cancellationToken);
                reports.Add(QualityBenchmark.Report(suiteName, variantName, scored, seconds));
                foreach (var (split, multi) in new[] { ("single", false), ("multi", true) })
                    ContactSheet.Write(Path.Combine(result.GetValue(sheets)!.FullName, $"{variantName}-{split}.png"),
                        scored.Where(s => s.Case.IsMulti == multi).Take(8).ToList());
            }
            var output = QualityReport.ToJson(reports);
            Console.WriteLine(output);
            if (result.GetValue(json) is { } file) File.WriteAllText(file.FullName, output);
            Console.Error.WriteLine();
            Console.Error.WriteLine(QualityReport.Table1(reports));
            if (reports.Count > 1) Console.Error.WriteLine(QualityReport.Table3(reports));
            return 0;
        });
        return command;
    }
}
