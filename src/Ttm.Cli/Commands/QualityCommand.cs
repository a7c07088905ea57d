using System.CommandLine;
using Ttm.Models;
using Ttm.Models.Generation;
using Ttm.Models.Sampling;
using Ttm.Models.Text;
using Ttm.Models.Weights;
using Ttm.Pipeline.Devices;
using Ttm.Benchmarks;
using Ttm.Pipeline;
using Ttm.Pipeline.Planning;
using Ttm.Training.Benchmark;
using Ttm.Training.World;

namespace Ttm.Cli.Commands;

/// <summary>
/// <c>./ttm bench quality [--cases DIR] [--variant NAME]... [--json FILE]</c>: the served path (every step through a
/// device worker, concurrent cases batched) scored on Shapes-128 or case folders.
/// </summary>
static class QualityCommand
{
    public static Command Create()
    {
        var cases = new Option<DirectoryInfo?>("--cases") { Description = "Folder of case folders (default: the Shapes-128 suite)" };
        var variants = new Option<string[]>("--variant") { Description = "ttm, ti2v, no-mask, cross-only, self-only (repeat for Table 3), flow (Table 4)", DefaultValueFactory = _ => ["ttm"], AllowMultipleArgumentsPerToken = true };
        var models = new Option<DirectoryInfo>("--models") { Description = "Folder with motion/ and video-<variant>/ model folders (either backbone: models/tiny, models/tiny-unet)", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("models", "tiny")) };
        var motion = new Option<DirectoryInfo?>("--motion") { Description = "Override: the mask stage-1 model folder" };
        var flowMotion = new Option<DirectoryInfo?>("--flow-motion") { Description = "Override: the flow variant's stage-1 model folder (default: motion-flow/)" };
        var video = new Option<DirectoryInfo?>("--video") { Description = "Override: stage-2 model folder (single variant)" };
        var perSplit = new Option<int>("--per-split") { Description = "Cases per split of the default suite", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Sampling steps per stage (Euler for a DiT, DDIM for a U-Net)", DefaultValueFactory = _ => 16 };
        var visual = new Option<float>("--guidance-visual") { DefaultValueFactory = _ => GuidanceScales.Default.Visual };
        var text = new Option<float>("--guidance-text") { DefaultValueFactory = _ => GuidanceScales.Default.Text };
        var phrasing = new Option<string>("--phrasing")
        {
            Description = "Words of the plans the networks are given: canonical (the world's own), training (the training lexicon) or held-out (the paraphrase suite's, never trained on)",
            DefaultValueFactory = _ => "canonical",
        };
        phrasing.AcceptOnlyFromAmong("canonical", "training", "held-out");
        var endToEnd = new Option<bool>("--end-to-end")
        {
            Description = "From the image and the sentence only: the served planner, segmenter and both stages (default suite at 128 px; with --phrasing held-out, the paraphrase suite)",
        };
        var motionFrom = new Option<MotionSource[]>("--motion-from")
        {
            Description = "Where ŝ comes from, one row each on the same cases: text (stage 1 from the sentence), paths (every object dragged along its true path, " +
                "stage 1 skipped), mixed-paths (every other object dragged, the rest from stage 1), true-masks (the world's own mask frames)",
            DefaultValueFactory = _ => [MotionSource.Text],
            AllowMultipleArgumentsPerToken = true,
            CustomParser = r =>
            {
                // An unknown name is a parse error (the usage and the names that work), not an exception.
                foreach (var token in r.Tokens.Where(t => !MotionSources.ContainsKey(t.Value)))
                    r.AddError($"--motion-from {token.Value}: expected one of {string.Join(", ", MotionSources.Keys)}.");
                return r.Tokens.Where(t => MotionSources.ContainsKey(t.Value)).Select(t => MotionSources[t.Value]).ToArray();
            },
        };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the JSON here" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for the networks (default: all cores)" };
        var sheets = new Option<DirectoryInfo>("--sheets") { Description = "Where contact sheets go", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "bench")) };
        var command = new Command("quality", "Direction accuracy, endpoint error, mask IoU, PSNR, SSIM, appearance consistency per split")
        {
            cases, variants, models, motion, flowMotion, video, perSplit, steps, visual, text, phrasing, endToEnd, motionFrom, json, sheets, threads,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            // The served path: every step through a device worker, concurrent cases batched as the server batches them.
            using var worker = new DeviceWorker("cpu:0", threads: result.GetValue(threads));
            using var textEncoder = MiniLmTextEncoder.Load(); // the command's: one ONNX session for every variant
            bool whole = result.GetValue(endToEnd);
            var suite = result.GetValue(cases) is { } folder
                ? Directory.GetDirectories(folder.FullName).Order().Select(BenchCase.Read).ToList()
                : QualityBenchmark.Shapes128(result.GetValue(perSplit), size: whole ? 128 : 32);
            string suiteName = result.GetValue(cases) is { } f ? f.Name : $"Shapes-{suite.Count}";
            if (result.GetValue(phrasing) is var words && words != "canonical")
            {
                var lexicon = words == "held-out" ? PhrasingLexicon.HeldOut : PhrasingLexicon.Training;
                suite = suite.Select((c, i) => c.Reworded(new Phrasing(lexicon), new Random(i))).ToList();
                suiteName += $" ({words} words)";
            }
            if (whole)
            {
                using var pipeline = PipelineModels.Load(ModelLocations.Resolve(result.GetValue(models)?.FullName), textEncoder,
                    new RulePromptPlanner(new SimilarityResolver(textEncoder)), worker);
                var (ran, took) = await new EndToEndBenchmark(pipeline, result.GetValue(steps)).RunAsync(suite, Console.Error, cancellationToken);
                var report = System.Text.Json.JsonSerializer.Serialize(EndToEndBenchmark.Report(suiteName, ran, took), BenchmarkJson.Options);
                Console.WriteLine(report);
                if (result.GetValue(json) is { } target) File.WriteAllText(target.FullName, report);
                return 0;
            }
            var options = new SamplingOptions(result.GetValue(steps), new GuidanceScales(result.GetValue(visual), result.GetValue(text)), 0);
            var root = result.GetValue(models)!.FullName;
            var reports = new List<QualityReport>();
            var ladder = new List<(string Variant, IReadOnlyList<ScoredCase> Cases)>();
            Directory.CreateDirectory(result.GetValue(sheets)!.FullName);
            foreach (var variantName in result.GetValue(variants)!)
            {
                var variant = TrainCommand.ParseVariant(variantName);
                var videoDirectory = result.GetValue(video)?.FullName ?? Path.Combine(root, $"video-{variantName}");
                var motionDirectory = variant == TtmVariant.Flow
                    ? result.GetValue(flowMotion)?.FullName ?? Path.Combine(root, "motion-flow")
                    : result.GetValue(motion)?.FullName ?? Path.Combine(root, "motion");
                using var videoModel = ModelWeights.LoadNetwork(videoDirectory);
                if (videoModel.Config.Variant != variant)
                    throw new InvalidDataException($"{videoDirectory} holds a {videoModel.Config.Variant} model, not {variant}.");
                using var motionModel = variant == TtmVariant.Ti2v ? null : ModelWeights.LoadNetwork(motionDirectory);
                if (motionModel is not null && motionModel.Config.MotionIsFlow != videoModel.Config.MotionIsFlow)
                    throw new InvalidDataException($"{motionDirectory} generates {(motionModel.Config.MotionIsFlow ? "optical flow" : "mask trajectories")}, which the {variantName} stage 2 does not read.");
                videoModel.eval();
                motionModel?.eval();
                var chain = new TwoStageChain(motionModel is null ? null : StageSamplers.For(motionModel), StageSamplers.For(videoModel),
                    textEncoder, new StageRunner(worker.StepperFor("bench")));
                foreach (var source in result.GetValue(motionFrom)!)
                {
                    if (source != MotionSource.Text && (variant == TtmVariant.Ti2v || chain.MotionIsFlow))
                        throw new InvalidOperationException($"--motion-from {MotionSourceName(source)} draws a mask trajectory, which the {variantName} stage 2 does not read.");
                    var rowName = source == MotionSource.Text ? variantName : $"{variantName}-{MotionSourceName(source)}";
                    Console.Error.WriteLine($"{rowName}: {suite.Count} cases, max batch {worker.MaxBatch}");
                    var (scored, seconds) = await new QualityBenchmark(chain, options, options, source: source).RunAsync(suite, Console.Error, cancellationToken);
                    reports.Add(QualityBenchmark.Report(suiteName, rowName, scored, seconds));
                    ladder.Add((rowName, scored));
                    foreach (var (split, multi) in new[] { ("single", false), ("multi", true) })
                        ContactSheet.Write(Path.Combine(result.GetValue(sheets)!.FullName, $"{rowName}-{split}.png"),
                            scored.Where(s => s.Case.IsMulti == multi).Take(8).ToList());
                }
            }
            var differences = PairedBootstrap.Ladder(ladder);
            var output = QualityReport.ToJson(reports, differences);
            Console.WriteLine(output);
            if (result.GetValue(json) is { } file) File.WriteAllText(file.FullName, output);
            Console.Error.WriteLine();
            Console.Error.WriteLine(QualityReport.Table1(reports));
            if (reports.Count > 1) Console.Error.WriteLine(QualityReport.Table3(reports) + Environment.NewLine + QualityReport.Differences(differences));
            return 0;
        });
        return command;
    }

    static readonly IReadOnlyDictionary<string, MotionSource> MotionSources = Enum.GetValues<MotionSource>().ToDictionary(MotionSourceName).AsReadOnly(); // in the enum's order

    /// <summary>A motion source's name on the command line and in row names: <c>MixedPaths</c> → <c>mixed-paths</c>.</summary>
    static string MotionSourceName(MotionSource source) =>
        string.Concat(source.ToString().Select((ch, i) => char.IsUpper(ch) && i > 0 ? $"-{char.ToLowerInvariant(ch)}" : $"{char.ToLowerInvariant(ch)}"));
}
