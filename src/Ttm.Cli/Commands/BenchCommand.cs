using System.CommandLine;
using Ttm.Models;
using Ttm.Benchmarks;
using Ttm.Grains;
using Ttm.Models.Text;
using Ttm.Pipeline;
using Ttm.Pipeline.Planning;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm bench quality|forward|batching|pipeline|overhead|serving|worker|cluster|fleet|durability|chaos|tenants|soak|caching|text-probe</c>: options parsed here, the benchmarks in Ttm.Benchmarks; each prints JSON.</summary>
static class BenchCommand
{
    const string SamplePrompt = "The red square moves right while the white square slides down slowly.";

    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks that print JSON");
        bench.Subcommands.Add(QualityCommand.Create());
        bench.Subcommands.Add(Forward());
        bench.Subcommands.Add(Batching());
        bench.Subcommands.Add(Pipeline());
        bench.Subcommands.Add(Overhead());
        bench.Subcommands.Add(Serving());
        bench.Subcommands.Add(Worker());
        bench.Subcommands.Add(Cluster());
        bench.Subcommands.Add(Fleet());
        bench.Subcommands.Add(Durability());
        bench.Subcommands.Add(Chaos());
        bench.Subcommands.Add(DataPlane());
        bench.Subcommands.Add(Capacity());
        bench.Subcommands.Add(Tenants());
        bench.Subcommands.Add(Soak());
        bench.Subcommands.Add(Caching());
        bench.Subcommands.Add(TextProbeCommand());
        return bench;
    }

    static Option<FileInfo?> JsonFile() => new("--json") { Description = "Also write the JSON here" };

    static async Task Print<T>(T report, FileInfo? file, CancellationToken cancellationToken)
    {
        var json = BenchmarkJson.Write(report);
        Console.WriteLine(json);
        if (file is not null) await File.WriteAllTextAsync(file.FullName, json, cancellationToken);
    }

    static Option<int> Steps() => new("--steps") { Description = "Euler steps per stage", DefaultValueFactory = _ => Grains.GenerationLimits.DefaultSteps };

    static Task<byte[]> Sample(CancellationToken cancellationToken) =>
        File.ReadAllBytesAsync(Path.Combine(ModelFiles.Locate("samples"), "two-squares.png"), cancellationToken);

    /// <param name="text">the command's own encoder (the models do not dispose it)</param>
    static PipelineModels LoadModels(MiniLmTextEncoder text, string? runtime = null) => PipelineModels.Load(ModelLocations.Resolve(), text,
        new RulePromptPlanner(new SimilarityResolver(text)), runtime: NetworkRuntimes.For("cpu:0", runtime));

    /// <summary>--runtime: where the networks' passes run on the CPU device.</summary>
    static Option<string> Runtime()
    {
        var option = new Option<string>("--runtime") { Description = "auto (ONNX Runtime on the CPU), libtorch or onnxruntime", DefaultValueFactory = _ => NetworkRuntimes.Auto };
        option.AcceptOnlyFromAmong([.. NetworkRuntimes.Names]);
        return option;
    }

    static ServerFactory EmbeddedServers => (port, settings) => EmbeddedServer.Build(port, settings);

    static Command Forward()
    {
        var size = new Option<string>("--size") { DefaultValueFactory = _ => "tiny" };
        var repeats = new Option<int>("--repeats") { DefaultValueFactory = _ => 10 };
        var backbone = new Option<string>("--backbone") { Description = "dit or unet", DefaultValueFactory = _ => "dit" };
        backbone.AcceptOnlyFromAmong("dit", "unet");
        var json = JsonFile();
        var command = new Command("forward", "One stage-2 forward pass at batch 1, 3 and 8: masked layers on/off, grouped vs dense Eq. 3, libtorch vs ONNX Runtime, each as a share of libtorch's GEMM rate (the DiT's); parameters per size") { size, repeats, backbone, json };
        command.SetAction((result, cancellationToken) =>
        {
            var gemm = ForwardBenchmark.GemmGflops();
            return Print(new
            {
                threads = TorchSharp.torch.get_num_threads(),
                gemm_gflops = gemm,
                parameters = ForwardBenchmark.ParameterCounts(),
                forward = ForwardBenchmark.Run(gemm, result.GetValue(size)!, result.GetValue(repeats), result.GetValue(backbone) == "unet" ? Models.Backbone.Unet : Models.Backbone.Dit),
            }, result.GetValue(json), cancellationToken);
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
        var json = JsonFile();
        var command = new Command("batching", "One denoising step of k requests in one forward pass vs k passes, per stage, on a device") { device, size, requests, repeats, threads, json };
        command.SetAction((result, cancellationToken) =>
        {
            if (result.GetValue(threads) is int n) TorchSharp.torch.set_num_threads(n);
            var target = Models.TorchDevices.Parse(result.GetValue(device)!);
            var steps = BatchingBenchmark.Run(target, result.GetValue(size)!, result.GetValue(requests)!, result.GetValue(repeats));
            return Print(new { device = target.ToString(), threads = TorchSharp.torch.get_num_threads(), steps }, result.GetValue(json), cancellationToken);
        });
        return command;
    }

    static Command Pipeline()
    {
        var image = new Option<FileInfo?>("--image") { Description = "Default: samples/two-squares.png" };
        var prompt = new Option<string>("--prompt") { DefaultValueFactory = _ => SamplePrompt };
        var runs = new Option<int>("--runs") { DefaultValueFactory = _ => 3 };
        var steps = Steps();
        var json = JsonFile();
        var photos = new Option<bool>("--photos") { Description = "The photograph cases instead (chelsea, coffee, astronaut from artifacts/photos, each with a sentence naming its subject)" };
        var runtime = Runtime();
        var stepCache = new Option<string>("--step-cache") { Description = $"The generations' step cache: {string.Join(", ", GenerationLimits.StepCaches)} (off: exact)", DefaultValueFactory = _ => GenerationLimits.StepCaches[0] };
        stepCache.AcceptOnlyFromAmong([.. GenerationLimits.StepCaches]);
        var command = new Command("pipeline", "Per-stage wall time (plan, segment, motion, video, encode) and peak memory of in-process generations")
        {
            image, prompt, runs, steps, photos, runtime, stepCache, json,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(photos) && (result.GetResult(image) is { Implicit: false } || result.GetResult(prompt) is { Implicit: false }))
                result.AddError("--photos runs its own photographs and sentences; leave out --image and --prompt.");
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            var cache = Models.Sampling.StepCachePolicy.Parse(result.GetValue(stepCache)!);
            if (result.GetValue(photos))
            {
                using var photoText = MiniLmTextEncoder.Load();
                using var photoModels = LoadModels(photoText, result.GetValue(runtime));
                var folder = ModelFiles.Locate(Path.Combine("artifacts", "photos"));
                await Print(await PipelineBenchmark.RunPhotosAsync(photoModels, folder, result.GetValue(runs), result.GetValue(steps), cache, cancellationToken),
                    result.GetValue(json), cancellationToken);
                return;
            }
            var bytes = result.GetValue(image) is { } file ? await File.ReadAllBytesAsync(file.FullName, cancellationToken) : await Sample(cancellationToken);
            using var text = MiniLmTextEncoder.Load();
            using var models = LoadModels(text, result.GetValue(runtime));
            await Print(await PipelineBenchmark.RunAsync(models, bytes, result.GetValue(prompt)!, result.GetValue(runs), result.GetValue(steps), cache, cancellationToken),
                result.GetValue(json), cancellationToken);
        });
        return command;
    }

    static Command Overhead()
    {
        var runs = new Option<int>("--runs") { DefaultValueFactory = _ => 3 };
        var steps = Steps();
        var json = JsonFile();
        var command = new Command("overhead", "Serving overhead: gRPC + grains vs the in-process pipeline, as JSON") { runs, steps, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            var image = await Sample(cancellationToken);
            using var text = MiniLmTextEncoder.Load();
            using var models = LoadModels(text);
            await Print(await OverheadBenchmark.RunAsync(models, EmbeddedServers, image, SamplePrompt, result.GetValue(runs), result.GetValue(steps), cancellationToken),
                result.GetValue(json), cancellationToken);
        });
        return command;
    }

    static Command Serving()
    {
        var steps = Steps();
        var maxBatch = new Option<int?>("--max-batch") { Description = "Largest batch when batching is on (default: the device's, DeviceWorker.DefaultMaxBatch)" };
        var levels = new Option<int[]>("--concurrency") { DefaultValueFactory = _ => [1, 2, 4, 8], AllowMultipleArgumentsPerToken = true };
        var json = JsonFile();
        var command = new Command("serving", "Throughput with batching on/off, overhead, time to first preview, admission beside 8 mid-stage, peak memory; as JSON") { steps, maxBatch, levels, json };
        command.SetAction(async (result, cancellationToken) => await Print(await ServingBenchmark.RunAsync(EmbeddedServers, await Sample(cancellationToken), SamplePrompt,
            result.GetValue(steps), result.GetValue(maxBatch), result.GetValue(levels)!, Console.Error, cancellationToken), result.GetValue(json), cancellationToken));
        return command;
    }

    static Command Caching()
    {
        var perSplit = new Option<int>("--per-split") { Description = "Cases per split of Shapes-128", DefaultValueFactory = _ => 32 };
        var steps = Steps();
        var alone = new Option<int>("--alone") { Description = "Cases also run one at a time, for the seconds of a generation alone", DefaultValueFactory = _ => 4 };
        var settings = new Option<string[]>("--setting")
        {
            Description = $"Named settings after off: {string.Join(", ", Models.Sampling.StepCachePolicy.Named.Select(p => p.Name))}",
            DefaultValueFactory = _ => ["balanced", "aggressive"], AllowMultipleArgumentsPerToken = true,
        };
        var thresholds = new Option<float[]>("--threshold") { Description = "Also custom thresholds (with --max-skips, --full-first)", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var maxSkips = new Option<int>("--max-skips") { DefaultValueFactory = _ => Models.Sampling.StepCachePolicy.Balanced.MaxSkipsInARow };
        var fullFirst = new Option<int>("--full-first") { DefaultValueFactory = _ => Models.Sampling.StepCachePolicy.Balanced.FullFirstSteps };
        var guidance = new Option<float[]>("--guidance-threshold")
        {
            Description = "Also adaptive-guidance settings (blocks not skipped) at these thresholds (with --guidance-max-reuses, --guidance-full-first)",
            AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [],
        };
        var guidanceBase = new Option<string>("--guidance-on") { Description = "The named block setting the adaptive-guidance settings add to (off: guidance alone)", DefaultValueFactory = _ => "off" };
        var maxReuses = new Option<int>("--guidance-max-reuses") { DefaultValueFactory = _ => 2 };
        var guidanceFullFirst = new Option<int>("--guidance-full-first") { DefaultValueFactory = _ => 2 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for the networks (default: all cores)" };
        var runtime = Runtime();
        var json = JsonFile();
        var command = new Command("caching", "Step caching inside continuous batching: block forwards, seconds alone, generations/min at 8, quality vs cache off; as JSON")
        {
            perSplit, steps, alone, settings, thresholds, maxSkips, fullFirst, guidance, guidanceBase, maxReuses, guidanceFullFirst, threads, runtime, json,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var policies = new List<Models.Sampling.StepCachePolicy> { Models.Sampling.StepCachePolicy.Off };
            policies.AddRange(result.GetValue(settings)!.Select(Models.Sampling.StepCachePolicy.Parse).Where(p => !p.IsOff));
            policies.AddRange(result.GetValue(thresholds)!.Select(t => new Models.Sampling.StepCachePolicy($"threshold-{t}", t, result.GetValue(maxSkips), result.GetValue(fullFirst))));
            var blocks = Models.Sampling.StepCachePolicy.Parse(result.GetValue(guidanceBase)!);
            policies.AddRange(result.GetValue(guidance)!.Select(t => blocks with
            {
                Name = blocks.SkipsBlocks ? $"{blocks.Name}+guidance-{t}" : $"guidance-{t}",
                Guidance = new Models.Sampling.GuidanceReuse(t, result.GetValue(maxReuses), result.GetValue(guidanceFullFirst)),
            }));
            var locations = ModelFiles.DefaultModels;
            using var motion = Models.Weights.ModelWeights.Load(Path.Combine(locations, "motion"));
            using var video = Models.Weights.ModelWeights.Load(Path.Combine(locations, "video-ttm"));
            motion.eval();
            video.eval();
            using var worker = new Pipeline.Devices.DeviceWorker("cpu:0", threads: result.GetValue(threads));
            using var text = MiniLmTextEncoder.Load();
            var suite = Training.Benchmark.QualityBenchmark.Shapes128(result.GetValue(perSplit));
            await Print(await StepCacheBenchmark.RunAsync(motion, video, text, worker, suite, $"Shapes-{suite.Count}", result.GetValue(steps),
                result.GetValue(alone), policies, NetworkRuntimes.For(worker.Name, result.GetValue(runtime)), Console.Error, cancellationToken),
                result.GetValue(json), cancellationToken);
        });
        return command;
    }

    static Command Tenants()
    {
        var steps = new Option<int>("--steps") { Description = "Euler steps per stage", DefaultValueFactory = _ => 6 };
        var light = new Option<int>("--light") { Description = "The light tenant's generations, one at a time, each way", DefaultValueFactory = _ => 6 };
        var flood = new Option<int>("--flood") { Description = "The heavy tenant's generations kept in flight", DefaultValueFactory = _ => 8 };
        var json = JsonFile();
        var pause = new Option<double>("--pause") { Description = "Seconds the light tenant waits between its generations (0: back to back)", DefaultValueFactory = _ => 0 };
        var command = new Command("tenants", "A light tenant's completion p50/p95 alone and while a heavy tenant floods the server; as JSON") { steps, light, flood, pause, json };
        command.SetAction(async (result, cancellationToken) => await Print(await TenantFairnessBenchmark.RunAsync(EmbeddedServers, await Sample(cancellationToken), SamplePrompt,
            result.GetValue(steps), result.GetValue(light), result.GetValue(flood), TimeSpan.FromSeconds(result.GetValue(pause)), Console.Error, cancellationToken),
            result.GetValue(json), cancellationToken));
        return command;
    }

    static Command TextProbeCommand()
    {
        var clauses = new Option<int>("--clauses") { Description = "Training-lexicon clauses the probe is fitted on", DefaultValueFactory = _ => 3000 };
        var tests = new Option<int>("--tests") { Description = "Held-out clauses it is read on", DefaultValueFactory = _ => 1000 };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 400 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var readings = new Option<string[]>("--reading") { Description = "pooled, attention, attention-mlp, nearest (repeat; default all)", AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => Training.Benchmark.TextProbe.Readings };
        readings.AcceptOnlyFromAmong(Training.Benchmark.TextProbe.Readings);
        var encoder = new Option<DirectoryInfo?>("--encoder") { Description = "Another BERT-style encoder to probe: a folder with model.onnx (output last_hidden_state) and vocab.txt; default the shipped MiniLM" };
        var json = JsonFile();
        var command = new Command("text-probe", "How far the frozen text encoder carries a clause's motion and speed from the training lexicon to held-out words; as JSON")
            { clauses, tests, epochs, seed, readings, encoder, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            var folder = result.GetValue(encoder);
            using var probed = MiniLmTextEncoder.Load(folder?.FullName);
            await Print(Training.Benchmark.TextProbe.Run(probed, folder?.Name ?? "all-MiniLM-L6-v2",
                result.GetValue(clauses), result.GetValue(tests), result.GetValue(epochs), result.GetValue(seed), result.GetValue(readings)!, Console.Error),
                result.GetValue(json), cancellationToken);
        });
        return command;
    }

    static Command Soak()
    {
        var streams = new Option<int>("--streams") { Description = "Generations in all, each streamed to its end and deleted", DefaultValueFactory = _ => 100 };
        var concurrency = new Option<int>("--concurrency") { DefaultValueFactory = _ => 8 };
        var steps = new Option<int>("--steps") { Description = "Euler steps per stage", DefaultValueFactory = _ => 2 };
        var json = JsonFile();
        var command = new Command("soak", "A bounded soak on loopback: RSS, open files and stored bytes across many streams; as JSON") { streams, concurrency, steps, json };
        command.SetAction(async (result, cancellationToken) => await Print(await SoakBenchmark.RunAsync(EmbeddedServers, await Sample(cancellationToken), SamplePrompt,
            result.GetValue(streams), result.GetValue(concurrency), result.GetValue(steps), Console.Error, cancellationToken), result.GetValue(json), cancellationToken));
        return command;
    }

    static Command Worker()
    {
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N, or sim:h100 (simulated: passes timed by the H100 measurements)", DefaultValueFactory = _ => "cpu" };
        var size = new Option<string>("--size") { DefaultValueFactory = _ => "tiny" };
        var steps = Steps();
        var maxBatch = new Option<int?>("--max-batch") { Description = "Largest batch when batching is on (default: the device's, DeviceWorker.DefaultMaxBatch)" };
        var levels = new Option<int[]>("--concurrency") { DefaultValueFactory = _ => [1, 2, 4, 8], AllowMultipleArgumentsPerToken = true };
        var json = JsonFile();
        var command = new Command("worker", "Device-stage throughput through the device worker with batching off/on; as JSON") { device, size, steps, maxBatch, levels, json };
        command.SetAction(async (result, cancellationToken) => await Print(await WorkerBenchmark.RunAsync(result.GetValue(device)!,
            result.GetValue(size)!, result.GetValue(steps), result.GetValue(maxBatch), result.GetValue(levels)!, Console.Error), result.GetValue(json), cancellationToken));
        return command;
    }

    static Command Cluster()
    {
        var events = new Option<int>("--events") { Description = "Events in the long log", DefaultValueFactory = _ => 10_000 };
        var generations = new Option<int>("--generations") { Description = "Generations per failure round (0: the event log only)", DefaultValueFactory = _ => 20 };
        var steps = new Option<int>("--steps") { Description = "Euler steps per stage of each generation", DefaultValueFactory = _ => 6 };
        var json = JsonFile();
        var command = new Command("cluster", "The cluster on a Redis started here: event log append cost, replay and Redis memory; then processes "
            + "killed under load: seconds until the stage continues elsewhere, completion p50/p95 with and without a kill") { events, generations, steps, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            var folder = Directory.CreateTempSubdirectory("ttm-bench-cluster-").FullName;
            try
            {
                await using var cluster = await Ttm.Cli.Cluster.LocalCluster.StartRedisAsync(folder, cancellationToken: cancellationToken);
                var eventLog = await EventLogBenchmark.RunAsync(cluster.Redis, result.GetValue(events), cancellationToken);
                var failures = result.GetValue(generations) is > 0 and var n
                    ? await Ttm.Cli.Cluster.ClusterFailureBenchmark.RunAsync(cluster, await Sample(cancellationToken), n, result.GetValue(steps), Console.Error, cancellationToken)
                    : null;
                await Print(new { EventLog = eventLog, Failures = failures }, result.GetValue(json), cancellationToken);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }

    static Command Capacity()
    {
        string Measured(string name) => Path.Combine("docs", "measurements", name);
        var fleet = new Option<FileInfo>("--fleet") { Description = "A bench fleet JSON: CPU seconds per generation of each host kind, Redis ops and events", DefaultValueFactory = _ => new FileInfo(Measured("fleet-n8.json")) };
        var dataPlane = new Option<FileInfo>("--data-plane") { Description = "A bench data-plane JSON: store bytes per generation at display 1024", DefaultValueFactory = _ => new FileInfo(Measured("data-plane-small-1024.json")) };
        var cluster = new Option<FileInfo>("--cluster") { Description = "A bench cluster JSON: Redis bytes per generation's log", DefaultValueFactory = _ => new FileInfo(Measured("cluster-failures.json")) };
        var sizes = new Option<string[]>("--size") { Description = "DiT sizes", DefaultValueFactory = _ => ["tiny", "small", "base"], AllowMultipleArgumentsPerToken = true };
        var gpus = new Option<int[]>("--gpus") { Description = "Fleet sizes", DefaultValueFactory = _ => [1, 8, 64, 512], AllowMultipleArgumentsPerToken = true };
        var writers = new Option<int>("--writers") { Description = "Concurrent event logs appending to the Redis measured here", DefaultValueFactory = _ => 64 };
        var json = JsonFile();
        var command = new Command("capacity", "The capacity model: for G H100s of a model size, generations/min and what every other part needs (host cores, "
            + "silos, gateways, Redis, store bandwidth), from the measured per-generation costs and one Redis measured here") { fleet, dataPlane, cluster, sizes, gpus, writers, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            var folder = Directory.CreateTempSubdirectory("ttm-bench-capacity-").FullName;
            try
            {
                Ttm.Benchmarks.EventLogBenchmark.Throughput redis;
                await using (var local = await Ttm.Cli.Cluster.LocalCluster.StartRedisAsync(folder, cancellationToken: cancellationToken))
                    redis = await Ttm.Benchmarks.EventLogBenchmark.ThroughputAsync(local.Redis, result.GetValue(writers), 10, cancellationToken);
                var inputs = Ttm.Cli.Cluster.CapacityModel.Inputs.Read(result.GetValue(fleet)!.FullName, result.GetValue(dataPlane)!.FullName, result.GetValue(cluster)!.FullName,
                    new(redis.AppendsPerSecond, $"measured here: {redis.Writers} logs appending for {redis.Seconds} s, {Environment.ProcessorCount} cores shared with the client"));
                var rows = Ttm.Cli.Cluster.CapacityModel.Rows(inputs, result.GetValue(sizes)!, result.GetValue(gpus)!);
                await Print(new { Inputs = inputs, Steps = Ttm.Cli.Cluster.CapacityModel.Steps, FullBatch = Ttm.Cli.Cluster.CapacityModel.FullBatch, Rows = rows },
                    result.GetValue(json), cancellationToken);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }

    static Command DataPlane()
    {
        var size = new Option<string>("--size") { Description = "The DiT size of the random networks (small, base)", DefaultValueFactory = _ => "small" };
        var display = new Option<int>("--display") { Description = "Display size of previews and outputs in pixels", DefaultValueFactory = _ => Grains.GenerationLimits.MaxDisplaySize };
        var steps = new Option<int>("--steps") { Description = "Steps per stage", DefaultValueFactory = _ => 2 };
        var json = JsonFile();
        var command = new Command("data-plane", "One generation at real sizes through a multi-process cluster started here (random weights): the largest grain message, "
            + "bytes through Redis and the artifact store, peak memory per process, seconds moving bytes vs computing") { size, display, steps, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            var folder = Directory.CreateTempSubdirectory("ttm-bench-data-plane-").FullName;
            try
            {
                var report = await Ttm.Cli.Cluster.DataPlaneBenchmark.RunAsync(folder, result.GetValue(size)!, result.GetValue(display), result.GetValue(steps),
                    await Sample(cancellationToken), ModelLocations.Resolve().Models, Console.Error, cancellationToken);
                await Print(report, result.GetValue(json), cancellationToken);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }

    static Command Fleet()
    {
        var accelerators = new Option<int>("--accelerators") { Description = "Accelerator silos, each on a simulated H100 (sim:h100)", DefaultValueFactory = _ => 2 };
        var generations = new Option<int>("--generations") { Description = "Generations in all, of the mixed workload", DefaultValueFactory = _ => 60 };
        var rate = new Option<double?>("--rate") { Description = "Mean arrivals per second (open loop: exponential gaps, whatever the fleet's progress); default 1.25 × the devices' ideal" };
        var size = new Option<string>("--size") { Description = "The networks the simulated devices are timed as: tiny (the shipped weights), small or base (random weights)", DefaultValueFactory = _ => "tiny" };
        size.AcceptOnlyFromAmong([.. Ttm.Models.TtmConfig.Sizes.Keys]);
        var maxBatch = new Option<int?>("--max-batch") { Description = "Most requests a simulated device batches in one pass (default: the device's, DeviceWorker.DefaultMaxBatch)" };
        var baseline = new Option<FileInfo>("--baseline") { Description = "The JSON of a run of the same shape on fewer accelerators (e.g. 1): the scaling efficiency is read against N × its steady rate per accelerator" };
        baseline.AcceptExistingOnly();
        var json = JsonFile();
        var command = new Command("fleet", "Simulated accelerators behind real silos, Redis and a gateway, each its own process: a mixed workload of three tenants "
            + "arriving open-loop; generations/min against the devices' ideal, the placement's makespan gap, admission and first-preview p50/p99, "
            + "events/s, Redis ops/s and memory, CPU seconds per generation per host kind") { accelerators, generations, rate, size, maxBatch, baseline, json };
        command.Validators.Add(result =>
        {
            if (result.GetValue(accelerators) is < 1 or > 32) result.AddError("--accelerators must lie in 1..32.");
            if (result.GetValue(generations) < 1) result.AddError("--generations must be at least 1.");
            if (result.GetValue(rate) is { } r && r is not (> 0 and <= 1000)) result.AddError("--rate must lie in (0, 1000] arrivals per second.");
            if (result.GetValue(maxBatch) is < 1 or > 256) result.AddError("--max-batch must lie in 1..256.");
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            var folder = Directory.CreateTempSubdirectory("ttm-bench-fleet-").FullName;
            try
            {
                var run = new Ttm.Cli.Cluster.FleetBenchmark.Run(result.GetValue(accelerators), result.GetValue(generations), result.GetValue(rate),
                    result.GetValue(size)!, result.GetValue(maxBatch), result.GetValue(baseline)?.FullName);
                await using var cluster = await Ttm.Cli.Cluster.LocalCluster.StartRedisAsync(folder,
                    Ttm.Cli.Cluster.FleetBenchmark.Environment(run, folder, ModelLocations.Resolve().Models),
                    cancellationToken: cancellationToken, acceleratorDevice: Ttm.Cli.Cluster.FleetBenchmark.Device);
                await Print(await Ttm.Cli.Cluster.FleetBenchmark.RunAsync(cluster, await Sample(cancellationToken), run, Console.Error, cancellationToken),
                    result.GetValue(json), cancellationToken);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }

    static Command Durability()
    {
        var events = new Option<int>("--events") { Description = "Appends per mode", DefaultValueFactory = _ => 5_000 };
        var json = JsonFile();
        var command = new Command("durability", "The event log's append latency on a Redis primary with two replicas and three Sentinels started here: "
            + "the primary's word alone, appendfsync always, WAIT for a replica; then the primary SIGKILLed mid log: the appends' stall and any loss") { events, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            var folder = Directory.CreateTempSubdirectory("ttm-bench-durability-").FullName;
            try
            {
                // Two replicas: after the primary's loss one is left for WAIT. Sentinel's timings as the cluster overlay's.
                await using var cluster = await Ttm.Cli.Cluster.LocalCluster.StartRedisAsync(folder, cancellationToken: cancellationToken,
                    replication: new Ttm.Cli.Cluster.RedisReplication(Replicas: 2));
                async Task KillPrimary() => (await cluster.PrimaryAsync())?.Kill();
                await Print(await EventLogDurabilityBenchmark.RunAsync(cluster.Redis, result.GetValue(events), KillPrimary, cancellationToken), result.GetValue(json), cancellationToken);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }

    static Command Chaos()
    {
        var generations = new Option<int>("--generations") { Description = "Generations per scenario, from two tenants", DefaultValueFactory = _ => 10 };
        var steps = new Option<int>("--steps") { Description = "Euler steps per stage of each generation", DefaultValueFactory = _ => 4 };
        var scenarios = new Option<string>("--scenarios") { Description = "Which scenarios, comma-separated (default all): "
            + string.Join(", ", Ttm.Cli.Cluster.ChaosBenchmark.Names), DefaultValueFactory = _ => string.Join(',', Ttm.Cli.Cluster.ChaosBenchmark.Names) };
        var json = JsonFile();
        var command = new Command("chaos", "Faults under load on clusters of real processes started here, one per scenario (the Redis primary killed, silos cut off "
            + "in network namespaces, the gateway cut off from the silos, the store's volume full): generations started, completed, failed cleanly, lost, "
            + "duplicated events and writes from a fenced side, seconds to recover; as JSON. Needs root") { generations, steps, scenarios, json };
        // On the options: a command's validator runs before the defaults are in.
        generations.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--generations must be at least 1.");
        });
        scenarios.Validators.Add(result =>
        {
            if ((result.GetValueOrDefault<string>() ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .FirstOrDefault(n => !Ttm.Cli.Cluster.ChaosBenchmark.Names.Contains(n)) is { } unknown)
                result.AddError($"--scenarios: no scenario {unknown}; there are {string.Join(", ", Ttm.Cli.Cluster.ChaosBenchmark.Names)}.");
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            var folder = Directory.CreateTempSubdirectory("ttm-bench-chaos-").FullName;
            try
            {
                var report = await Ttm.Cli.Cluster.ChaosBenchmark.RunAsync(folder, null, await Sample(cancellationToken), result.GetValue(generations), result.GetValue(steps),
                    result.GetValue(scenarios)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), Console.Error, cancellationToken);
                await Print(report, result.GetValue(json), cancellationToken);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }
}
