using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Ttm.Grains;
using Ttm.Pipeline;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;
using Ttm.Pipeline.Segmentation;
using Ttm.Silo.Options;
using Ttm.Silo.Placement;
using Ttm.Silo.Telemetry;

namespace Ttm.Silo;

/// <summary>
/// The generation grains' port across the cluster: plans on this silo, hands segmentation and both denoising
/// stages to a <see cref="IDeviceStagesGrain"/> (placed on an accelerator silo), then encodes here. Every payload
/// is stored under "{id}/…" and the events refer to it.
/// </summary>
public sealed class ClusterGenerationRunner(IGrainFactory grains, IArtifactStore store, IPromptPlanner planner, ModelLimits limits, IOptions<SiloOptions> options,
    LoadedModels loaded)
    : IGenerationRunner
{
    readonly GenerationOutputs outputs = new(new VideoEncoder());

    public async IAsyncEnumerable<GenerationUpdate> RunAsync(string generationId, GenerationSpec spec, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var updates = new PipelineUpdates(store, generationId);
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
            yield return new GenerationFailed(GenerationStage.Plan, FailureCode.InvalidArgument, refused ?? "The request was refused.");
            yield break;
        }
        var seconds = new Dictionary<GenerationStage, double> { [GenerationStage.Plan] = clock.Elapsed.TotalSeconds };
        yield return await updates.StoreAsync(new PlanReady(plan), cancellationToken);

        // 2. Segment, Image-to-Motion, Motion-to-Video (an accelerator silo). If that silo is lost, the stages run
        //    again on another one from their checkpoints; the generation grain drops the updates its log already holds.
        //    With no accelerator in the cluster at all (the last one died; its replacement starts), wait for one to join.
        RenderedFrames? frames = null;
        var noAccelerator = TimeSpan.FromSeconds(options.Value.AcceleratorWaitSeconds);
        DateTime? waitingSince = null;
        for (int attempt = 1; frames is null; attempt++)
        {
            await using var stages = grains.GetGrain<IDeviceStagesGrain>(generationId)
                .RunAsync(spec, plan.ToContract(), cancellationToken).GetAsyncEnumerator(cancellationToken);
            bool lost = false, failed = false, none = false;
            while (true)
            {
                try
                {
                    if (!await stages.MoveNextAsync()) break;
                }
                catch (Exception error) when (IsSiloLoss(error) && attempt < DeviceAttempts)
                {
                    lost = true;
                    break;
                }
                catch (Exception error) when (IsNoAccelerator(error) && DateTime.UtcNow - (waitingSince ??= DateTime.UtcNow) < noAccelerator)
                {
                    none = true;
                    break;
                }
                if (stages.Current.Event is { } e)
                {
                    failed |= e is GenerationFailed;
                    yield return e;
                }
                frames = stages.Current.Result ?? frames;
            }
            if (none)
            {
                attempt--; // waiting for an accelerator is no attempt of the stages
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                continue;
            }
            waitingSince = null;
            if (!lost || failed) break;
            // Until membership declares the lost silo dead, a new activation may be placed on it again: give it time.
            await Task.Delay(LossBackoff, cancellationToken);
        }
        if (frames is null) yield break; // the device stages reported their failure
        foreach (var (stage, s) in frames.Seconds) seconds[stage] = s;

        // 3. Encode (any silo), off the grain's turns: on a silo with a CPU device, in that device's queue (the same cores).
        clock.Restart();
        var rendered = new RenderedVideo(new VideoFrames(frames.Frames, frames.Width, frames.Height, frames.Video),
            new VideoFrames(frames.Frames, frames.Width, frames.Height, frames.Trajectory),
            frames.Objects.Select(o => o.ToPipeline()).ToList());
        var chunks = Channel.CreateUnbounded<PipelineEvent>();
        var stageSeconds = seconds.ToPipeline();
        var written = Task.Run(() => outputs.WriteAsync(request, plan, rendered, stageSeconds, chunks.Writer,
                loaded.Models?.Encodes ?? FairGate.Encoders, cancellationToken), cancellationToken)
            .ContinueWith(t => { chunks.Writer.TryComplete(t.Exception?.InnerException); return t; }, TaskScheduler.Default).Unwrap();
        await foreach (var c in chunks.Reader.ReadAllAsync(cancellationToken).OfType<VideoChunk>())
            yield return await updates.StoreAsync(c, cancellationToken);
        var artifacts = await written;
        seconds[GenerationStage.Encode] = clock.Elapsed.TotalSeconds;
        yield return new GenerationCompleted(artifacts.ToDictionary(kv => kv.Key, kv => store.KeyOf(kv.Value)), seconds,
            $"device stages ran on {frames.Silo} ({frames.Device})" +
            (frames.Resumed.Count > 0 ? $"; continued from checkpoints: {string.Join(", ", frames.Resumed)}" : ""));
    }

    /// <summary>Attempts of the device stages when their silo is lost, a <see cref="LossBackoff"/> apart: longer in all than
    /// membership takes to declare a killed silo dead (Ttm:Cluster:ProbeSeconds × MissedProbes, and the votes).</summary>
    const int DeviceAttempts = 12;
    static readonly TimeSpan LossBackoff = TimeSpan.FromSeconds(3);

    /// <summary>The cluster has no accelerator silo at all right now.</summary>
    static bool IsNoAccelerator(Exception e) => e is NoAcceleratorException || e.InnerException is NoAcceleratorException;

    /// <summary>
    /// The device stages' silo went away: killed (unavailable, messages rejected) or shut down (a rolling update or
    /// scale-down deactivates the grain, and its stream ends with "enumeration aborted"). A call sent to a killed silo
    /// before membership noticed may also go unanswered until Orleans' response timeout (a <see cref="TimeoutException"/>,
    /// "Response did not arrive on time"): the same loss, seen later.
    /// </summary>
    static bool IsSiloLoss(Exception e) => e is SiloUnavailableException or OrleansMessageRejectionException or EnumerationAbortedException or TimeoutException;
}
