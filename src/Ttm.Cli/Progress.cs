using System.Diagnostics;
using Ttm.Protos.V1;

namespace Ttm.Cli;

/// <summary>
/// The live progress display of a generation, in-process (<see cref="PipelineMessages"/>) or through a gateway:
/// one line per event, previews saved as PNG strips under previews/, the trajectory as trajectory.png, and (when
/// <paramref name="saveVideo"/>) the streamed chunks as video.mp4.
/// </summary>
static class Progress
{
    /// <returns>the exit code: 0 completed, 1 failed or cancelled</returns>
    public static async Task<int> Render(IAsyncEnumerable<GenerationEvent> events, string outputDirectory, bool saveVideo, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var previews = Path.Combine(outputDirectory, "previews");
        Directory.CreateDirectory(previews);
        using var video = new MemoryStream();
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            string at = $"[{clock.Elapsed.TotalSeconds,6:F1}s] #{e.Seq}";
            switch (e.EventCase)
            {
                case GenerationEvent.EventOneofCase.Accepted:
                    Console.WriteLine($"{at} accepted as {e.GenerationId} with {e.Accepted.QueuePosition} other generation(s) on the devices (watch it with ./ttm watch {e.GenerationId})");
                    break;
                case GenerationEvent.EventOneofCase.Plan:
                    Console.WriteLine($"{at} plan ({e.Plan.Planner}): {e.Plan.MotionPrompt}");
                    foreach (var o in e.Plan.Objects) Console.WriteLine($"          · {o.Name}: {o.LocalPrompt}");
                    break;
                case GenerationEvent.EventOneofCase.Segmentation:
                    await File.WriteAllBytesAsync(Path.Combine(previews, "segmentation.png"), e.Segmentation.MaskPng.Memory, cancellationToken);
                    foreach (var o in e.Segmentation.Objects) Console.WriteLine($"{at} segment {o.Name}: {o.Method} ({o.Detail}), {o.Area} px");
                    break;
                case GenerationEvent.EventOneofCase.MotionPreview or GenerationEvent.EventOneofCase.VideoPreview:
                    var (stage, preview) = e.MotionPreview is not null ? ("motion", e.MotionPreview) : ("video", e.VideoPreview);
                    var file = Path.Combine(previews, $"{stage}-{preview.Step:D3}.png");
                    await File.WriteAllBytesAsync(file, preview.FramesPng.Memory, cancellationToken);
                    Console.WriteLine($"{at} {stage,-6} step {preview.Step}/{preview.Steps} preview → {Path.GetRelativePath(outputDirectory, file)}");
                    break;
                case GenerationEvent.EventOneofCase.MotionDone:
                    await File.WriteAllBytesAsync(Path.Combine(outputDirectory, "trajectory.png"), e.MotionDone.FramesPng.Memory, cancellationToken);
                    Console.WriteLine($"{at} motion trajectory done");
                    break;
                case GenerationEvent.EventOneofCase.VideoChunk:
                    video.Write(e.VideoChunk.Data.Span);
                    Console.WriteLine($"{at} video chunk {e.VideoChunk.Index} ({e.VideoChunk.Data.Length} bytes){(e.VideoChunk.Last ? ", last" : "")}");
                    break;
                case GenerationEvent.EventOneofCase.Completed:
                    Console.WriteLine($"{at} completed: " + string.Join(", ", e.Completed.Seconds.Select(kv => $"{kv.Key} {kv.Value:F2} s")));
                    if (e.Completed.Note.Length > 0) Console.WriteLine($"          {e.Completed.Note}");
                    if (saveVideo)
                    {
                        var mp4 = Path.Combine(outputDirectory, "video.mp4");
                        await File.WriteAllBytesAsync(mp4, video.ToArray(), cancellationToken);
                        Console.WriteLine($"          video: {mp4}");
                    }
                    else
                        foreach (var (kind, path) in e.Completed.Artifacts) Console.WriteLine($"          {kind}: {path}");
                    return 0;
                case GenerationEvent.EventOneofCase.AwaitingReview:
                    Console.WriteLine($"{at} awaiting review: the trajectory of {string.Join(", ", e.AwaitingReview.Objects.Select((o, i) => $"{i}: {o}"))}; "
                        + $"the video runs when ./ttm continue {e.GenerationId} (the Continue RPC, POST /v1/videos/{e.GenerationId}/continue) asks");
                    return 0;
                case GenerationEvent.EventOneofCase.Continued:
                    Console.WriteLine($"{at} continued after review with seed {e.Continued.Seed} ({e.Continued.EditedObjects.Count} object(s) on edited paths)");
                    break;
                case GenerationEvent.EventOneofCase.Failed:
                    Console.Error.WriteLine($"{at} failed in {e.Failed.Stage} ({e.Failed.Code}): {e.Failed.Message}");
                    return 1;
                case GenerationEvent.EventOneofCase.Cancelled:
                    Console.Error.WriteLine($"{at} cancelled in {e.Cancelled.Stage}: {e.Cancelled.Reason}");
                    return 1;
            }
        }
        return 1;
    }
}
