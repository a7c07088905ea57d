using System.Diagnostics;
using System.Threading.Channels;
using SkiaSharp;
using Ttm.Contracts;
using Ttm.Pipeline;
using Ttm.Pipeline.Planning;
using Ttm.Training.Benchmark;

namespace Ttm.Benchmarks;

/// <summary>One case end to end: what the planner made of the sentence and how the generated objects moved.</summary>
/// <param name="Refused">why the pipeline refused the request, when it did (e.g. too many objects read)</param>
public sealed record EndToEndCase(BenchCase Case, string Planner, bool[] PlanCorrect, bool[] DirectionCorrect, double EndpointError,
    double Appearance, string? Refused);

/// <summary>
/// From the image and the sentence only, as a user sends them: the served pipeline's planner, segmenter and both
/// stages (every step through the device worker), scored against each case's truth. Objects are followed in the
/// generated video by the colour they have in the first frame, so the score does not depend on the order or the names
/// the planner gave them; a refused request scores every object as wrong.
/// </summary>
public sealed class EndToEndBenchmark(PipelineModels models, int steps, int concurrency = 4)
{
    public async Task<(IReadOnlyList<EndToEndCase> Cases, double Seconds)> RunAsync(IReadOnlyList<BenchCase> cases, TextWriter? progress,
        CancellationToken cancellationToken)
    {
        var scored = new EndToEndCase[cases.Count];
        var clock = Stopwatch.StartNew();
        using var slots = new SemaphoreSlim(concurrency);
        int done = 0;
        var output = Directory.CreateTempSubdirectory("ttm-end-to-end-");
        try
        {
            await Task.WhenAll(cases.Select(async (c, index) =>
            {
                await slots.WaitAsync(cancellationToken);
                try
                {
                    await Task.Yield();
                    scored[index] = await RunCaseAsync(c, index, output.FullName, cancellationToken);
                    if (Interlocked.Increment(ref done) % 8 == 0) progress?.WriteLine($"  {done}/{cases.Count} cases, {clock.Elapsed.TotalSeconds:F0} s");
                }
                finally
                {
                    slots.Release();
                }
            }));
        }
        finally
        {
            output.Delete(recursive: true);
        }
        return (scored, clock.Elapsed.TotalSeconds);
    }

    async Task<EndToEndCase> RunCaseAsync(BenchCase c, int index, string output, CancellationToken cancellationToken)
    {
        var t = c.Truth;
        int objects = t.Objects.Count;
        var config = models.Video.Config;
        var request = new PipelineRequest
        {
            Image = Png(c.FirstFrame, t.Width, t.Height), Prompt = t.Caption, Seed = index, MotionSteps = steps, VideoSteps = steps,
            PreviewEvery = 0, CheckpointEvery = 0, DisplaySize = Math.Max(config.Width, config.Height), OutputDirectory = output,
        };
        PromptPlan plan;
        Pipeline.Images.RgbImage image;
        try
        {
            (image, plan) = await TtmPipeline.PrepareAsync(request, models.Decoders, models.Planner, config.MaxObjects, cancellationToken);
        }
        catch (InvalidRequestException e)
        {
            return new EndToEndCase(c, "refused", new bool[objects], new bool[objects], Diagonal(config.Width, config.Height), 0, e.Message);
        }
        var planCorrect = t.Objects.Select(o => plan.Objects.Any(p => p.Colour == o.Colour && p.Motion == o.Motion)).ToArray();

        var events = Channel.CreateUnbounded<PipelineEvent>();
        var rendered = await new DeviceStages(models).RunAsync(request, image, plan, events.Writer, new StageClock(GenerationStage.Segment), cancellationToken);
        var video = rendered.Video.Pixels.Select(b => b / 255f).ToArray(); // (T, h, w, 3) at the model's size
        int w = rendered.Video.Width, h = rendered.Video.Height;
        double sx = w / (double)t.Width, sy = h / (double)t.Height;

        var correct = new bool[objects];
        double endpoint = 0, appearance = 0;
        for (int l = 1; l <= objects; l++)
        {
            var truth = t.Objects[l - 1];
            var colour = VideoMetrics.ObjectColour(c.FirstFrame, c.FirstLabels, l);
            var track = VideoMetrics.TrackByColour(video, rendered.Video.Frames, h, w, colour);
            var (start, end) = (track.Centroids[0], track.Centroids[^1]);
            correct[l - 1] = VideoMetrics.DirectionOf(end[0] - start[0], end[1] - start[1], w) == truth.Motion;
            var trueEnd = truth.Centroids[^1];
            endpoint += float.IsNaN(end[0]) || float.IsNaN(trueEnd[0])
                ? Diagonal(w, h)
                : Math.Sqrt(Math.Pow(end[0] - trueEnd[0] * sx, 2) + Math.Pow(end[1] - trueEnd[1] * sy, 2));
            appearance += VideoMetrics.AppearanceConsistency(track);
        }
        return new EndToEndCase(c, plan.Planner, planCorrect, correct, endpoint / objects, appearance / objects, null);
    }

    static double Diagonal(int w, int h) => Math.Sqrt(w * w + h * h);

    /// <summary>The case's first frame as the PNG a user would upload.</summary>
    static byte[] Png(float[] pixels, int width, int height)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            int i = (y * width + x) * 3;
            bitmap.SetPixel(x, y, new SKColor(ToByte(pixels[i]), ToByte(pixels[i + 1]), ToByte(pixels[i + 2])));
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round(v * 255f), 0, 255);

    /// <summary>Per split: direction accuracy, the share of objects the planner read right, endpoint error, appearance, refusals.</summary>
    public static Dictionary<string, object> Report(string suite, IReadOnlyList<EndToEndCase> cases, double seconds)
    {
        Dictionary<string, double> Split(IEnumerable<EndToEndCase> part)
        {
            var list = part.ToList();
            int objects = list.Sum(c => c.DirectionCorrect.Length);
            return new()
            {
                ["cases"] = list.Count,
                ["direction_accuracy"] = list.Sum(c => c.DirectionCorrect.Count(x => x)) / (double)Math.Max(1, objects),
                ["plan_accuracy"] = list.Sum(c => c.PlanCorrect.Count(x => x)) / (double)Math.Max(1, objects),
                ["endpoint_error_px"] = list.Count == 0 ? 0 : list.Average(c => c.EndpointError),
                ["appearance_consistency"] = list.Count == 0 ? 0 : list.Average(c => c.Appearance),
                ["refused"] = list.Count(c => c.Refused is not null),
                ["planner_not_sure"] = list.Count(c => c.Planner.Contains("not understood", StringComparison.Ordinal)),
            };
        }
        return new()
        {
            ["suite"] = suite, ["mode"] = "end-to-end", ["cases"] = cases.Count, ["seconds"] = Math.Round(seconds, 1),
            ["single"] = Split(cases.Where(c => !c.Case.IsMulti)), ["multi"] = Split(cases.Where(c => c.Case.IsMulti)),
            ["refusals"] = cases.Where(c => c.Refused is not null).Select(c => $"{c.Case.Name}: {c.Refused}").Take(10).ToList(),
        };
    }
}
