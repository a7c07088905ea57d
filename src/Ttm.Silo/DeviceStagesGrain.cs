using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Ttm.Contracts;
using Ttm.Grains;
using Ttm.Models;
using Ttm.Pipeline;
using Ttm.Silo.Placement;
using Ttm.Silo.Telemetry;

namespace Ttm.Silo;

/// <summary>
/// Runs <see cref="DeviceStages"/> for one generation on this (accelerator) silo's device worker. The tensor work
/// runs off the grain's turns (the worker's thread, and a pool task for the small conversions); the grain only
/// moves events from a channel into the stream, storing payloads on the way. Leaving the stream cancels the work. A generation
/// that stops for review runs here twice: its first part ends with <see cref="AwaitingReview"/> and its <see cref="ReviewedMotion"/>
/// stored under "{id}/review/", which its second part (a <see cref="GenerationContinuation"/>) reads instead of segmenting and stage 1.
/// Every other run keeps its trajectory there too: a variation copies it and runs its video stage only.
/// </summary>
[AcceleratorPlacement]
public sealed partial class DeviceStagesGrain(PipelineModels models, IArtifactStore store, ILocalSiloDetails silo, SiloRole role, ILogger<DeviceStagesGrain> logger)
    : Grain, IDeviceStagesGrain
{
    CancellationTokenSource? latest;

    /// <summary>Where the first part of a reviewed generation leaves what its second continues from (and any run, what its variations do).</summary>
    static string ReviewedMotionKey(string generationId) => GenerationContinuation.TrajectoryKeyOf(generationId);

    public async IAsyncEnumerable<DeviceStageUpdate> RunAsync(GenerationSpec spec, PromptPlan plan, GenerationContinuation? continuation = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string id = this.GetPrimaryKeyString();
        var updates = new PipelineUpdates(store, id);
        // Checkpoints in the shared store: a run again for this generation (its silo was lost) continues from them.
        var request = spec.ToRequest(await store.GetAsync(spec.ImageKey, cancellationToken), store.PathOf($"{id}/outputs"), continuation) with
        {
            Checkpoints = new ArtifactStageCheckpoints(store, id, stage => ArtifactStageCheckpoints.Fingerprint(models.DigestOf(stage), spec.Digest)),
            Reviewed = continuation is null ? null : ReviewedMotion.FromBytes(await store.GetAsync(continuation.TrajectoryKey ?? ReviewedMotionKey(id), cancellationToken)),
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // The latest caller wins: a run asked for again (its generation's silo went away and the generation is driven
        // again elsewhere) stops the one still working for the lost caller; both would write the same checkpoints.
        Interlocked.Exchange(ref latest, stop)?.Cancel();
        LogStagesStart(logger, id, DeviceName.LabelOf(role.Device));
        var events = Channel.CreateBounded<PipelineEvent>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var clock = new StageClock(GenerationStage.Segment);
        var (imageWidth, imageHeight) = (0, 0);
        var work = Task.Run(async () =>
        {
            // A child of the caller's call: the stages' spans and the device steps below are in the generation's trace.
            using var span = SiloTracing.Source.StartActivity("device stages run").OfGeneration(id, spec.Tenant);
            span?.SetTag("ttm.device", role.Device);
            using var scope = logger.BeginGenerationScope(id, spec.Tenant);
            try
            {
                var image = models.Decoders.Decode(request.Image);
                (imageWidth, imageHeight) = (image.Width, image.Height);
                var stages = new DeviceStages(models);
                return request.StopAfterMotion
                    ? (null, await stages.MotionAsync(request, image, plan, events.Writer, clock, stop.Token))
                    : (await stages.RunAsync(request, image, plan, events.Writer, clock, stop.Token), (ReviewedMotion?)null);
            }
            catch (Exception e)
            {
                span?.SetStatus(ActivityStatusCode.Error, e.Message);
                throw;
            }
            finally
            {
                events.Writer.TryComplete();
            }
        }, stop.Token);

        try
        {
            string? trajectoryKey = null;
            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
            {
                var update = await updates.StoreAsync(e, cancellationToken);
                trajectoryKey = (update as TrajectoryFinished)?.FramesKey ?? trajectoryKey;
                yield return new DeviceStageUpdate(update, null);
            }

            RenderedVideo? rendered = null;
            ReviewedMotion? reviewed = null;
            string? failure = null;
            var code = FailureCode.Internal;
            try
            {
                (rendered, reviewed) = await work;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                (code, failure) = FailureCodes.Of(e); // a checkpoint the full store refused: storage_full
                if (e is InvalidRequestException) code = FailureCode.InvalidArgument; // asked of these networks what they cannot do
            }
            if (reviewed is not null && trajectoryKey is not null)
            {
                // The first part of a reviewed generation ends here, with what its second part continues from.
                await store.PutAsync(ReviewedMotionKey(id), reviewed.ToBytes(), cancellationToken);
                yield return new DeviceStageUpdate(new AwaitingReview(trajectoryKey, plan.Objects.Select(o => o.Name).ToList(), imageWidth, imageHeight), null);
                yield break;
            }
            if (rendered is null)
            {
                yield return new DeviceStageUpdate(new GenerationFailed(clock.Current, code, failure ?? "the device stages ended without a result"), null);
                yield break;
            }
            // What a variation of this run continues from (a second part's first part kept it already).
            if (rendered.Motion is { } motion) await store.PutAsync(ReviewedMotionKey(id), motion.ToBytes(), cancellationToken);
            // The frames go through the store, not the message: the encoding silo reads them from there.
            string videoKey = $"{RenderedFrames.FolderOf(id)}/video.rgb", trajectoryFramesKey = $"{RenderedFrames.FolderOf(id)}/trajectory.rgb";
            await store.PutAsync(videoKey, rendered.Video.Pixels, cancellationToken);
            await store.PutAsync(trajectoryFramesKey, rendered.Trajectory.Pixels, cancellationToken);
            yield return new DeviceStageUpdate(null, new RenderedFrames(rendered.Video.Frames, rendered.Video.Width, rendered.Video.Height,
                videoKey, trajectoryFramesKey, rendered.Objects,
                clock.Seconds(), silo.SiloAddress.ToString(), DeviceName.LabelOf(role.Device), rendered.Resumed, models.Backbones));
        }
        finally
        {
            stop.Cancel(); // the caller left (cancelled, deadline, failed): stop at the next step
            Interlocked.CompareExchange(ref latest, null, stop);
            if (latest is null) DeactivateOnIdle();
            // What the device did for this run is the tenant's, however the run ended: charged once the work has stopped.
            try { await work; } catch (Exception) { } // its outcome went out above; here only its end matters
            await TenantCharges.ChargeAsync(GrainFactory, spec.Tenant, id, request.Meter.Seconds, logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device stages of {Id} run on {Device}")]
    static partial void LogStagesStart(ILogger logger, string id, string device);
}
