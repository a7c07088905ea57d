using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Models.Simulation;
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
/// is stored under "{id}/…" and the events refer to it. A generation that stops for review ends its first part with the
/// device stages' <see cref="AwaitingReview"/>; its second part (a continuation) starts at the device stages with the plan
/// the first part made.
/// </summary>
public sealed partial class ClusterGenerationRunner(IGrainFactory grains, IArtifactStore store, IPromptPlanner planner, ModelLimits limits, IOptions<SiloOptions> options,
    LoadedModels loaded, FairGate encoders, ImageDecoders decoders, ILocalSiloDetails silo, ILogger<ClusterGenerationRunner> logger)
    : IGenerationRunner
{
    readonly GenerationOutputs outputs = new(new VideoEncoder());

    /// <remarks>
    /// Spans: plan, device stages, encode, each a child of the caller's span (the grain's run). An iterator's changes to
    /// <see cref="Activity.Current"/> do not outlive a yield, so each span is made current again where it spans one.
    /// The grain's run also holds the log scope (GenerationId, Tenant) these logs are written in.
    /// </remarks>
    public async IAsyncEnumerable<GenerationUpdate> RunAsync(string generationId, GenerationSpec spec, GenerationContinuation? continuation,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var updates = new PipelineUpdates(store, generationId);
        var request = spec.ToRequest(await store.GetAsync(spec.ImageKey, cancellationToken), store.PathOf($"{generationId}/outputs"), continuation);

        // 1. Plan (any silo), unless the first part of a reviewed generation did. Bad input is refused before any work: the caller's error, not the server's.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        PromptPlan? plan = continuation?.Plan;
        string? refused = null;
        if (plan is null)
        {
            using var planning = SiloTracing.Source.StartActivity("plan").OfGeneration(generationId, spec.Tenant);
            try
            {
                (_, plan) = await Task.Run(() => TtmPipeline.PrepareAsync(request, decoders, planner, limits.MaxObjects, cancellationToken), cancellationToken);
            }
            catch (Exception e) when (e is InvalidRequestException or InvalidImageException)
            {
                refused = e.Message;
                planning?.SetStatus(ActivityStatusCode.Error, "refused");
            }
        }
        if (plan is null)
        {
            yield return new GenerationFailed(GenerationStage.Plan, FailureCode.InvalidArgument, refused ?? "The request was refused.");
            yield break;
        }
        var seconds = new Dictionary<GenerationStage, double>();
        if (continuation is null)
        {
            seconds[GenerationStage.Plan] = clock.Elapsed.TotalSeconds;
            yield return await updates.StoreAsync(new PlanReady(plan), cancellationToken);
        }

        // 2. Segment, Image-to-Motion, Motion-to-Video (an accelerator silo). If that silo is lost, the stages run
        //    again on another one from their checkpoints; the generation grain drops the updates its log already holds.
        //    With no accelerator in the cluster at all (the last one died; its replacement starts), wait for one to join.
        RenderedFrames? frames = null;
        bool awaitingReview = false;
        var noAccelerator = TimeSpan.FromSeconds(options.Value.AcceleratorWaitSeconds);
        DateTime? waitingSince = null, lostSince = null; // a lost silo is run around for as long as one is waited for, counted from the last progress
        bool waitLogged = false; // a wait is logged once, when it begins
        using var deviceStages = SiloTracing.Source.StartActivity("device stages").OfGeneration(generationId, spec.Tenant);
        var queue = grains.GetGrain<IAcceleratorQueueGrain>(0);
        double work = DeviceWork(spec, continuation);
        try
        {
            for (int attempt = 1; frames is null; attempt++)
            {
                Activity.Current = deviceStages ?? Activity.Current; // the grain calls below are its children
                // Where they go: the accelerator whose queued work would finish them soonest (an activation placed by this call
                // goes there; one still active from an earlier attempt stays where it is).
                if (await ChooseAcceleratorAsync(queue, generationId, work) is { } chosen) RequestContext.Set(IPlacementDirector.PlacementHintKey, chosen);
                await using var stages = grains.GetGrain<IDeviceStagesGrain>(generationId)
                    .RunAsync(spec, plan, continuation, cancellationToken).GetAsyncEnumerator(cancellationToken);
                bool lost = false, failed = false, none = false;
                while (true)
                {
                    try
                    {
                        Activity.Current = deviceStages ?? Activity.Current;
                        if (!await stages.MoveNextAsync()) break;
                    }
                    catch (Exception error) when (IsSiloLoss(error) && DateTime.UtcNow - (lostSince ??= DateTime.UtcNow) < noAccelerator)
                    {
                        LogDeviceStagesLost(logger, generationId, attempt, (DateTime.UtcNow - lostSince.Value).TotalSeconds, noAccelerator.TotalSeconds, error.GetType().Name);
                        deviceStages?.AddEvent(new ActivityEvent("accelerator silo lost", tags: new() { ["attempt"] = attempt, ["error"] = error.GetType().Name }));
                        lost = true;
                        break;
                    }
                    catch (Exception error) when (IsNoAccelerator(error) && DateTime.UtcNow - (waitingSince ??= DateTime.UtcNow) < noAccelerator)
                    {
                        none = true;
                        break;
                    }
                    lostSince = null; // the stages made progress: a later loss is a new one
                    RequestContext.Remove(IPlacementDirector.PlacementHintKey); // placed: the hint is for no later call
                    if (stages.Current.Event is { } e)
                    {
                        failed |= e is GenerationFailed;
                        awaitingReview |= e is AwaitingReview;
                        yield return e;
                    }
                    frames = stages.Current.Result ?? frames;
                }
                if (none)
                {
                    if (!waitLogged)
                    {
                        LogWaitingForAccelerator(logger, generationId, noAccelerator.TotalSeconds);
                        deviceStages?.AddEvent(new ActivityEvent("waiting for an accelerator silo"));
                        waitLogged = true;
                    }
                    attempt--; // waiting for an accelerator is no attempt of the stages
                    await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                    continue;
                }
                (waitingSince, waitLogged) = (null, false);
                if (!lost || failed || awaitingReview) break;
                // Until membership declares the lost silo dead, a new activation may be placed on it again: give it time.
                await Task.Delay(LossBackoff, cancellationToken);
            }
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            await FinishOnAcceleratorAsync(queue, generationId);
        }
        if (awaitingReview) yield break; // the first part ends with the trajectory; Continue runs the rest
        if (frames is null)
        {
            deviceStages?.SetStatus(ActivityStatusCode.Error, "the device stages failed");
            yield break; // the device stages reported their failure
        }
        deviceStages?.Dispose();
        foreach (var (stage, s) in frames.Seconds) seconds[stage] = s;

        // 3. Encode (any silo), off the grain's turns: on a silo with a CPU device, in that device's queue (the same cores).
        using var encoding = SiloTracing.Source.StartActivity("encode").OfGeneration(generationId, spec.Tenant); // the encode's task below inherits it
        clock.Restart();
        var rendered = new RenderedVideo(new VideoFrames(frames.Frames, frames.Width, frames.Height, await store.GetAsync(frames.VideoKey, cancellationToken)),
            new VideoFrames(frames.Frames, frames.Width, frames.Height, await store.GetAsync(frames.TrajectoryKey, cancellationToken)),
            frames.Objects);
        var chunks = Channel.CreateUnbounded<PipelineEvent>();
        var written = Task.Run(() => outputs.WriteAsync(request, plan, rendered, seconds, chunks.Writer,
                loaded.Models?.Encodes ?? encoders, cancellationToken), cancellationToken)
            .ContinueWith(t => { chunks.Writer.TryComplete(t.Exception?.InnerException); return t; }, TaskScheduler.Default).Unwrap();
        Dictionary<string, string> artifacts;
        try
        {
            await foreach (var c in chunks.Reader.ReadAllAsync(cancellationToken).OfType<VideoChunk>())
                yield return await updates.StoreAsync(c, cancellationToken);
            artifacts = await written;
        }
        finally
        {
            store.Delete(RenderedFrames.FolderOf(generationId)); // read above: the handed-over frames are no artifact, whatever the encode's end
            // The encode's time is the tenant's, finished or not (the device stages charge theirs on their silo).
            try { await written; } catch (Exception) { } // its outcome is reported above; here only its end matters
            await TenantCharges.ChargeAsync(grains, spec.Tenant, generationId, request.Meter.Seconds, logger);
        }
        seconds[GenerationStage.Encode] = clock.Elapsed.TotalSeconds;
        encoding?.Dispose();
        yield return new GenerationCompleted(artifacts.ToDictionary(kv => kv.Key, kv => store.KeyOf(kv.Value)), seconds,
            $"device stages ran on {frames.Silo} ({frames.Device}, {frames.Backbones})" +
            (frames.Resumed.Count > 0 ? $"; continued from checkpoints: {string.Join(", ", frames.Resumed)}" : ""));
    }

    /// <summary>The device seconds of what this part of the generation runs on an accelerator, in the placement's unit (the tiny DiT on the H100 profile).</summary>
    static double DeviceWork(GenerationSpec spec, GenerationContinuation? continuation) => DeviceCostModel.H100.GenerationSeconds(
        DeviceCostModel.Tiny.Motion, DeviceCostModel.Tiny.Video, continuation is null ? spec.MotionSteps : 0, spec.StopAfterMotion ? 0 : spec.VideoSteps);

    /// <summary>
    /// How long the queue may take to answer: its silo may be the one just lost, and a call to a killed silo can go unanswered
    /// until Orleans' response timeout; the stages are placed without it rather than wait.
    /// </summary>
    static readonly TimeSpan QueueTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The queue's choice; none (the director's own) when the queue cannot answer: placement by queued work is an optimisation, never a failure.</summary>
    async Task<SiloAddress?> ChooseAcceleratorAsync(IAcceleratorQueueGrain queue, string generationId, double work)
    {
        try
        {
            return await queue.ChooseAsync(generationId, work, silo.SiloAddress).WaitAsync(QueueTimeout);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogQueueUnanswered(logger, generationId, e.GetType().Name);
            return null;
        }
    }

    async Task FinishOnAcceleratorAsync(IAcceleratorQueueGrain queue, string generationId)
    {
        try
        {
            await queue.FinishAsync(generationId).WaitAsync(QueueTimeout);
        }
        catch (Exception e)
        {
            LogQueueUnanswered(logger, generationId, e.GetType().Name); // its entry stays until the queue's activation goes
        }
    }

    /// <summary>
    /// The pause between attempts of the device stages after their silo was lost. They are attempted again for up to
    /// Ttm:AcceleratorWaitSeconds without progress: until membership declares a killed silo dead (Ttm:Cluster:ProbeSeconds
    /// × MissedProbes, and the votes; longer on a loaded machine), an activation may be placed on it again, and a call to
    /// it may hang until Orleans' response timeout; a count of attempts ran out on loaded machines where time does not.
    /// </summary>
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
