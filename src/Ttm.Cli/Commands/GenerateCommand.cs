using System.CommandLine;
using System.Diagnostics;
using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Models.Sampling;
using Ttm.Models.Text;
using Ttm.Pipeline;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm generate --image PATH --prompt TEXT [--out DIR] [--seed N] ...</c>: the whole pipeline in-process, with live progress.</summary>
static class GenerateCommand
{
    public static Command Create()
    {
        var image = new Option<FileInfo>("--image") { Description = "PNG or JPEG image: the first frame", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "How the objects should move", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("out", "generate")) };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var steps = new Option<int>("--steps") { Description = $"Denoising steps per stage, 1..{GenerationLimits.MaxSteps}", DefaultValueFactory = _ => GenerationLimits.DefaultSteps };
        var previewEvery = new Option<int>("--preview-every") { Description = "A preview every this many steps (0: none)", DefaultValueFactory = _ => GenerationLimits.DefaultPreviewEvery };
        var size = new Option<int>("--size") { Description = $"Display size of the outputs in pixels, {GenerationLimits.MinDisplaySize}..{GenerationLimits.MaxDisplaySize}", DefaultValueFactory = _ => GenerationLimits.DefaultDisplaySize };
        var formats = new Option<VideoFormat[]>("--format") { Description = "Mp4, WebM, Gif, PngFrames (repeatable)", DefaultValueFactory = _ => [VideoFormat.Mp4], AllowMultipleArgumentsPerToken = true };
        var models = new Option<DirectoryInfo?>("--models") { Description = "Model folder (default models/tiny)" };
        var llmEndpoint = new Option<Uri?>("--llm-endpoint") { Description = "Plan with an OpenAI-compatible server, e.g. http://localhost:11434/v1" };
        var llmModel = new Option<string>("--llm-model") { Description = "Model name for --llm-endpoint", DefaultValueFactory = _ => "llama3.1:8b-instruct" };
        var gguf = new Option<FileInfo?>("--gguf") { Description = "Plan with a GGUF model in-process (LLamaSharp)" };
        var stepCache = new Option<StepCache>("--step-cache") { Description = $"Reuse of the last full step's blocks: {string.Join(", ", GenerationLimits.StepCaches)} (off: exact)", DefaultValueFactory = _ => StepCache.Off };
        var remote = new Option<string?>("--server") { Description = "Generate through a gateway (e.g. http://127.0.0.1:5080) instead of in-process" };
        var stopAfterMotion = new Option<bool>("--stop-after-motion") { Description = "With --server: end at the trajectory, awaiting review; ./ttm continue ID renders the video" };
        var command = new Command("generate", "Image + sentence → video, in-process, streaming every partial result")
        {
            image, prompt, output, seed, steps, previewEvery, size, formats, models, llmEndpoint, llmModel, gguf, stepCache, remote, stopAfterMotion, RemoteCommands.Key,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var outputDirectory = result.GetValue(output)!.FullName;
            if (result.GetValue(remote) is { } address)
                return await RemoteCommands.Guard(async () =>
                {
                    using var client = RemoteCommands.Client(result, address);
                    var events = client.GenerateAsync(new Protos.V1.GenerateRequest
                    {
                        Image = Google.Protobuf.ByteString.CopyFrom(await File.ReadAllBytesAsync(result.GetValue(image)!.FullName, cancellationToken)),
                        Prompt = result.GetValue(prompt)!, Seed = result.GetValue(seed), MotionSteps = result.GetValue(steps), VideoSteps = result.GetValue(steps),
                        PreviewEvery = result.GetValue(previewEvery), PreviewSize = result.GetValue(size),
                        StepCache = result.GetValue(stepCache) switch
                        {
                            StepCache.Balanced => Protos.V1.StepCache.Balanced,
                            StepCache.Aggressive => Protos.V1.StepCache.Aggressive,
                            _ => Protos.V1.StepCache.Off,
                        },
                        StopAfterMotion = result.GetValue(stopAfterMotion),
                    }, cancellationToken);
                    return await Progress.Render(events, outputDirectory, saveVideo: true, cancellationToken);
                });
            if (result.GetValue(stopAfterMotion))
            {
                Console.Error.WriteLine("error: --stop-after-motion needs --server: a review waits in a server for ./ttm continue");
                return 2;
            }
            var request = new PipelineRequest
            {
                Image = await File.ReadAllBytesAsync(result.GetValue(image)!.FullName, cancellationToken),
                Prompt = result.GetValue(prompt)!,
                Seed = result.GetValue(seed),
                MotionSteps = result.GetValue(steps),
                VideoSteps = result.GetValue(steps),
                StepCache = result.GetValue(stepCache).Policy(),
                PreviewEvery = result.GetValue(previewEvery),
                DisplaySize = result.GetValue(size),
                Formats = result.GetValue(formats)!,
                OutputDirectory = outputDirectory,
            };
            var clock = Stopwatch.StartNew();
            var llm = result.GetValue(llmEndpoint) is null && result.GetValue(gguf) is null ? null : new LlmPlannerOptions
            {
                Endpoint = result.GetValue(llmEndpoint),
                Model = result.GetValue(llmModel)!,
                ApiKey = PlannerKey(),
                GgufPath = result.GetValue(gguf)?.FullName,
            };
            using var text = MiniLmTextEncoder.Load();
            using var loaded = PipelineModels.Load(ModelLocations.Resolve(result.GetValue(models)?.FullName), text, PlannerFactory.Create(llm, resolver: new SimilarityResolver(text)));
            Console.WriteLine($"models loaded in {clock.Elapsed.TotalSeconds:F1} s");
            try
            {
                return await Progress.Render(PipelineMessages.Of(new TtmPipeline(loaded).RunAsync(request, cancellationToken)), outputDirectory, saveVideo: false, cancellationToken);
            }
            catch (Exception e) when (e is InvalidRequestException or InvalidImageException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>
    /// The LLM endpoint's key by the variable the silos read (Ttm:Planner:ApiKey as Ttm__Planner__ApiKey); TTM_LLM_KEY, its
    /// old name, still works and says so.
    /// </summary>
    static string? PlannerKey()
    {
        if (Environment.GetEnvironmentVariable("Ttm__Planner__ApiKey") is { Length: > 0 } key) return key;
        if (Environment.GetEnvironmentVariable("TTM_LLM_KEY") is not { Length: > 0 } old) return null;
        Console.Error.WriteLine("warning: TTM_LLM_KEY is deprecated; set Ttm__Planner__ApiKey (the hosts' Ttm:Planner:ApiKey) instead");
        return old;
    }
}
