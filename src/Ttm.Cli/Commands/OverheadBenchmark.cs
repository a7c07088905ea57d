using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Ttm.Models.Text;
using Ttm.Pipeline;
using Ttm.Pipeline.Planning;

namespace Ttm.Cli.Commands;

/// <summary>
/// <c>./ttm bench overhead</c>: the same generations (same image, prompt, seed) in-process and through the
/// embedded gRPC gateway and grains: seconds to the first event, the first preview and completion, and their ratio.
/// </summary>
static class OverheadBenchmark
{
    public static Command Create()
    {
        var runs = new Option<int>("--runs") { DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 16 };
        var command = new Command("overhead", "Serving overhead: gRPC + grains vs the in-process pipeline, as JSON") { runs, steps };
        command.SetAction(async (result, cancellationToken) =>
        {
            var image = await File.ReadAllBytesAsync(Path.Combine(ModelFiles.Locate("samples"), "two-squares.png"), cancellationToken);
            const string prompt = "The red square moves right while the white square slides down slowly.";
            int n = result.GetValue(runs), stepCount = result.GetValue(steps);

            using var models = PipelineModels.Load(ModelLocations.Resolve(), MiniLmTextEncoder.Shared, new RulePromptPlanner());
            var pipeline = new TtmPipeline(models);
            var output = Directory.CreateTempSubdirectory("ttm-overhead-").FullName;
            var local = new List<double[]>();
            for (int r = 0; r <= n; r++)
            {
                var clock = Stopwatch.StartNew();
                double first = double.NaN, preview = double.NaN;
                await foreach (var e in pipeline.RunAsync(new PipelineRequest
                {
                    Image = image, Prompt = prompt, Seed = r, MotionSteps = stepCount, VideoSteps = stepCount, OutputDirectory = output,
                }, cancellationToken))
                {
                    if (double.IsNaN(first)) first = clock.Elapsed.TotalSeconds;
                    if (e is StagePreview && double.IsNaN(preview)) preview = clock.Elapsed.TotalSeconds;
                }
                if (r > 0) local.Add([first, preview, clock.Elapsed.TotalSeconds]);
            }

            int port = FreePort();
            var app = EmbeddedServer.Build(port, new Dictionary<string, string?> { ["Ttm:Artifacts"] = output });
            await app.StartAsync(cancellationToken);
            var client = RemoteCommands.Client($"http://127.0.0.1:{port}");
            var remote = new List<double[]>();
            for (int r = 0; r <= n; r++)
            {
                var clock = Stopwatch.StartNew();
                double first = double.NaN, preview = double.NaN;
                using var call = client.Generate(new Protos.V1.GenerateRequest
                {
                    Image = ByteString.CopyFrom(image), Prompt = prompt, Seed = r, MotionSteps = stepCount, VideoSteps = stepCount,
                }, cancellationToken: cancellationToken);
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    if (double.IsNaN(first)) first = clock.Elapsed.TotalSeconds;
                    if (e.MotionPreview is not null && double.IsNaN(preview)) preview = clock.Elapsed.TotalSeconds;
                }
                if (r > 0) remote.Add([first, preview, clock.Elapsed.TotalSeconds]);
            }
            await app.StopAsync(cancellationToken);
            Directory.Delete(output, recursive: true);

            double Median(List<double[]> xs, int i) => Math.Round(xs.Select(x => x[i]).Order().ElementAt(xs.Count / 2), 3);
            object Summary(List<double[]> xs) => new { first_event_seconds = Median(xs, 0), first_preview_seconds = Median(xs, 1), completion_seconds = Median(xs, 2) };
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                runs = n,
                steps_per_stage = stepCount,
                in_process = Summary(local),
                grpc = Summary(remote),
                overhead_ratio = Math.Round(Median(remote, 2) / Median(local, 2), 3),
            }, new JsonSerializerOptions { WriteIndented = true }));
        });
        return command;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
