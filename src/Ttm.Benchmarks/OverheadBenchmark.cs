using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Ttm.Pipeline;

namespace Ttm.Benchmarks;

/// <summary>
/// The same generations (same image, prompt, seed) in-process and through the embedded gRPC gateway and grains:
/// seconds to the first event, the first preview and completion (medians), and the ratio of completions.
/// </summary>
public static class OverheadBenchmark
{
    public sealed record Timings(double FirstEventSeconds, double FirstPreviewSeconds, double CompletionSeconds);

    public sealed record Report(int Runs, int StepsPerStage, Timings InProcess, Timings Grpc, double OverheadRatio);

    public static async Task<Report> RunAsync(PipelineModels models, ServerFactory server, byte[] image, string prompt, int runs, int steps,
        CancellationToken cancellationToken)
    {
        var pipeline = new TtmPipeline(models);
        var output = Directory.CreateTempSubdirectory("ttm-overhead-").FullName;
        try
        {
            var local = new List<double[]>();
            for (int r = 0; r <= runs; r++) // run 0 warms up
            {
                var clock = Stopwatch.StartNew();
                double first = double.NaN, preview = double.NaN;
                await foreach (var e in pipeline.RunAsync(new PipelineRequest
                {
                    Image = image, Prompt = prompt, Seed = r, MotionSteps = steps, VideoSteps = steps, OutputDirectory = output,
                }, cancellationToken))
                {
                    if (double.IsNaN(first)) first = clock.Elapsed.TotalSeconds;
                    if (e is StagePreview && double.IsNaN(preview)) preview = clock.Elapsed.TotalSeconds;
                }
                if (r > 0) local.Add([first, preview, clock.Elapsed.TotalSeconds]);
            }

            int port = Loopback.FreePort();
            await using var app = server(port, Loopback.Settings(output));
            await app.StartAsync(cancellationToken);
            var client = await Loopback.ClientAsync(app, port, "bench");
            var remote = new List<double[]>();
            for (int r = 0; r <= runs; r++)
            {
                var clock = Stopwatch.StartNew();
                double first = double.NaN, preview = double.NaN;
                using var call = client.Generate(new Protos.V1.GenerateRequest
                {
                    Image = ByteString.CopyFrom(image), Prompt = prompt, Seed = r, MotionSteps = steps, VideoSteps = steps,
                }, cancellationToken: cancellationToken);
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    if (double.IsNaN(first)) first = clock.Elapsed.TotalSeconds;
                    if (e.MotionPreview is not null && double.IsNaN(preview)) preview = clock.Elapsed.TotalSeconds;
                }
                if (r > 0) remote.Add([first, preview, clock.Elapsed.TotalSeconds]);
            }
            await app.StopAsync(cancellationToken);

            double Median(List<double[]> xs, int i) => Math.Round(BenchmarkJson.Median(xs.Select(x => x[i])), 3);
            Timings Summary(List<double[]> xs) => new(Median(xs, 0), Median(xs, 1), Median(xs, 2));
            return new Report(runs, steps, Summary(local), Summary(remote), Math.Round(Median(remote, 2) / Median(local, 2), 3));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
