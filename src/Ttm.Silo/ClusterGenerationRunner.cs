using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Orleans.Runtime;
using Ttm.Grains;
using Ttm.Pipeline;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Silo;

/// <summary>
/// The generation grains' port across the cluster: plans on this silo, hands segmentation and both denoising
/// stages to a <see cref="IDeviceStagesGrain"/> (placed on an accelerator silo), then encodes here. Every payload
/// is stored under "{id}/…" and the events refer to it.
/// </summary>
public sealed class ClusterGenerationRunner(IGrainFactory grains, IArtifactStore store, IPromptPlanner planner, ModelLimits limits) : IGenerationRunner
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    readonly GenerationOutputs outputs = new(new VideoEncoder());

    public async IAsyncEnumerable<GenerationEvent> RunAsync(string generationId, GenerationSpec spec, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = spec.ToRequest(await store.GetAsync(spec.ImageKey, cancellationToken), store.PathOf($"{generationId}/outputs"));

        // 1. Plan (any silo). Bad input is refused before any work: the caller's error, not the server's.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        PromptPlan? plan = null;
        string? refused = null;
        try
        {
            (_, plan) = await Task.Run(() => TtmPipeline.PrepareAsync(request, planner, limits.MaxObjects, cancellationToken), cancellationToken);
        }
        catch (Exception e) when (e is InvalidRequestException or InvalidImageException)
        {
            refused = e.Message;
        }
        if (plan is null)
        {
            yield return new GenerationEvent(0, default, GenerationEventKind.Failed, Text: refused, Stage: "Plan", Code: "invalid_argument");
            yield break;
        }
        var seconds = new Dictionary<string, double> { ["plan"] = clock.Elapsed.TotalSeconds };
        yield return Event(GenerationEventKind.Plan, text: JsonSerializer.Serialize(plan, Json));

        // 2. Segment, Image-to-Motion, Motion-to-Video (an accelerator silo). If that silo is lost, the stages run
        //    again on another one from their checkpoints; events already passed on are not repeated.
        RenderedFrames? frames = null;
        var passed = new HashSet<(GenerationEventKind, int)>();
        for (int attempt = 1; frames is null; attempt++)
        {
            await using var updates = grains.GetGrain<IDeviceStagesGrain>(generationId)
                .RunAsync(spec, JsonSerializer.Serialize(plan), cancellationToken).GetAsyncEnumerator(cancellationToken);
            bool lost = false, failed = false;
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync()) break;
                }
                catch (Exception error) when (IsSiloLoss(error) && attempt < DeviceAttempts)
                {
                    lost = true;
                    break;
                }
                if (updates.Current.Event is { } e && passed.Add((e.Kind, e.Step)))
                {
                    failed |= e.Kind == GenerationEventKind.Failed;
                    yield return e;
                }
                frames = updates.Current.Result ?? frames;
            }
            if (!lost || failed) break;
        }
        if (frames is null) yield break; // the device stages reported their failure
        foreach (var (stage, s) in frames.Seconds) seconds[stage] = s;

        // 3. Encode (any silo), off the grain's turns.
        clock.Restart();
        var rendered = new RenderedVideo(new VideoFrames(frames.Frames, frames.Width, frames.Height, frames.Video),
            new VideoFrames(frames.Frames, frames.Width, frames.Height, frames.Trajectory),
            JsonSerializer.Deserialize<List<ObjectSummary>>(frames.ObjectsJson) ?? []);
        var chunks = Channel.CreateUnbounded<PipelineEvent>();
        var stageSeconds = seconds.ToDictionary(kv => Enum.Parse<PipelineStage>(kv.Key, ignoreCase: true), kv => kv.Value);
        var written = Task.Run(() => outputs.WriteAsync(request, plan, rendered, stageSeconds, chunks.Writer, cancellationToken), cancellationToken)
            .ContinueWith(t => { chunks.Writer.TryComplete(t.Exception?.InnerException); return t; }, TaskScheduler.Default).Unwrap();
        await foreach (var c in chunks.Reader.ReadAllAsync(cancellationToken).OfType<VideoChunk>())
        {
            var chunkKey = $"{generationId}/chunks/{c.Index:D4}.mp4";
            await store.PutAsync(chunkKey, c.Bytes, cancellationToken);
            yield return Event(GenerationEventKind.VideoChunk, artifact: chunkKey, step: c.Index, last: c.IsLast);
        }
        var artifacts = await written;
        seconds["encode"] = clock.Elapsed.TotalSeconds;
        yield return new GenerationEvent(0, default, GenerationEventKind.Completed,
            Artifacts: artifacts.ToDictionary(kv => kv.Key, kv => store.KeyOf(kv.Value)),
            Seconds: seconds, Text: $"device stages ran on {frames.Silo} ({frames.Device})" +
                (frames.Resumed.Count > 0 ? $"; continued from checkpoints: {string.Join(", ", frames.Resumed)}" : ""));
    }

    const int DeviceAttempts = 3;

    /// <summary>
    /// The device stages' silo went away: killed (unavailable, messages rejected) or shut down (a rolling update or
    /// scale-down deactivates the grain, and its stream ends with "enumeration aborted").
    /// </summary>
    static bool IsSiloLoss(Exception e) => e is SiloUnavailableException or OrleansMessageRejectionException or EnumerationAbortedException;

    static GenerationEvent Event(GenerationEventKind kind, string? text = null, string? artifact = null, int step = 0, bool last = false) =>
        new(0, default, kind, Text: text, Step: step, ArtifactKey: artifact, IsLast: last);
}

/// <summary>What the shipped video model accepts, read from its config.json without loading it (plain silos load no network).</summary>
public sealed record ModelLimits(int MaxObjects);
