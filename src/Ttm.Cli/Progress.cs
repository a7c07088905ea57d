using System.Diagnostics;
using Ttm.Pipeline;
using Ttm.Pipeline.Encoding;

namespace Ttm.Cli;

/// <summary>The live progress display of a generation (in-process or through the gateway): one line per event, previews saved as PNG strips.</summary>
static class Progress
{
    public static async Task<int> Render(IAsyncEnumerable<PipelineEvent> events, string outputDirectory, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var previews = Path.Combine(outputDirectory, "previews");
        Directory.CreateDirectory(previews);
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            string at = $"[{clock.Elapsed.TotalSeconds,6:F1}s]";
            switch (e)
            {
                case PlanReady p:
                    Console.WriteLine($"{at} plan ({p.Plan.Planner}): {p.Plan.MotionPrompt}");
                    foreach (var o in p.Plan.Objects) Console.WriteLine($"          · {o.Name}: {o.LocalPrompt}");
                    break;
                case SegmentationReady s:
                    await File.WriteAllBytesAsync(Path.Combine(previews, "segmentation.png"), s.MaskPng, cancellationToken);
                    foreach (var o in s.Objects) Console.WriteLine($"{at} segment {o.Name}: {o.Method} ({o.Detail}), {o.Mask?.Area ?? 0} px");
                    break;
                case StagePreview p:
                    var strip = Path.Combine(previews, $"{p.Stage.Name()}-{p.Step:D3}.png");
                    await File.WriteAllBytesAsync(strip, VideoEncoder.Png(p.Frames.Strip(), 0), cancellationToken);
                    Console.WriteLine($"{at} {p.Stage.Name(),-6} step {p.Step}/{p.Steps} preview → {Path.GetRelativePath(outputDirectory, strip)}");
                    break;
                case MotionDone:
                    Console.WriteLine($"{at} motion trajectory done");
                    break;
                case VideoChunk c:
                    Console.WriteLine($"{at} video chunk {c.Index} ({c.Bytes.Length} bytes){(c.IsLast ? ", last" : "")}");
                    break;
                case Completed c:
                    Console.WriteLine($"{at} completed: " + string.Join(", ", c.Seconds.Select(kv => $"{kv.Key.Name()} {kv.Value:F2} s")));
                    foreach (var (kind, path) in c.Artifacts) Console.WriteLine($"          {kind}: {path}");
                    return 0;
                case Failed f:
                    Console.Error.WriteLine($"{at} failed in {f.Stage}: {f.Reason}");
                    return 1;
            }
        }
        return 1;
    }
}
