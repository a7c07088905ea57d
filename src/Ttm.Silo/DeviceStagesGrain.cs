using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Ttm.Grains;
using Ttm.Pipeline;
using Ttm.Pipeline.Images;
using Ttm.Silo.Placement;

namespace Ttm.Silo;

/// <summary>
/// Runs <see cref="DeviceStages"/> for one generation on this (accelerator) silo's device worker. The tensor work
/// runs off the grain's turns (the worker's thread, and a pool task for the small conversions); the grain only
/// moves events from a channel into the stream, storing payloads on the way. Leaving the stream cancels the work.
/// </summary>
[AcceleratorPlacement]
public sealed partial class DeviceStagesGrain(PipelineModels models, IArtifactStore store, ILocalSiloDetails silo, SiloRole role, ILogger<DeviceStagesGrain> logger)
    : Grain, IDeviceStagesGrain
{
    CancellationTokenSource? latest;

    public async IAsyncEnumerable<DeviceStageUpdate> RunAsync(GenerationSpec spec, GenerationPlan plan, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string id = this.GetPrimaryKeyString();
        var updates = new PipelineUpdates(store, id);
        // Checkpoints in the shared store: a run again for this generation (its silo was lost) continues from them.
        var request = spec.ToRequest(await store.GetAsync(spec.ImageKey, cancellationToken), store.PathOf($"{id}/outputs")) with
        {
            Checkpoints = new ArtifactStageCheckpoints(store, id, stage => ArtifactStageCheckpoints.Fingerprint(models.DigestOf(stage), spec.Digest)),
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // The latest caller wins: a run asked for again (its generation's silo went away and the generation is driven
        // again elsewhere) stops the one still working for the lost caller; both would write the same checkpoints.
        Interlocked.Exchange(ref latest, stop)?.Cancel();
        LogStagesStart(logger, id, role.Device);
        var events = Channel.CreateBounded<PipelineEvent>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var clock = new StageClock(PipelineStage.Segment);
        var work = Task.Run(async () =>
        {
            try
            {
                var image = ImageInput.Decode(request.Image);
                return await new DeviceStages(models).RunAsync(request, image, plan.ToPipeline(), events.Writer, clock, stop.Token);
            }
            finally
            {
                events.Writer.TryComplete();
            }
        }, stop.Token);

        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
                yield return new DeviceStageUpdate(await updates.StoreAsync(e, cancellationToken), null);

            RenderedVideo? rendered = null;
            string? failure = null;
            try
            {
                rendered = await work;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failure = e.Message;
            }
            if (rendered is null)
            {
                yield return new DeviceStageUpdate(new GenerationFailed(clock.Current.ToContract(), FailureCode.Internal, failure ?? "the device stages ended without a result"), null);
                yield break;
            }
            yield return new DeviceStageUpdate(null, new RenderedFrames(rendered.Video.Frames, rendered.Video.Width, rendered.Video.Height,
                rendered.Video.Pixels, rendered.Trajectory.Pixels, rendered.Objects.Select(o => o.ToContract()).ToList(),
                clock.Seconds().ToContract(), silo.SiloAddress.ToString(), role.Device, rendered.Resumed));
        }
        finally
        {
            stop.Cancel(); // the caller left (cancelled, deadline, failed): stop at the next step
            Interlocked.CompareExchange(ref latest, null, stop);
            if (latest is null) DeactivateOnIdle();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device stages of {Id} run on {Device}")]
    static partial void LogStagesStart(ILogger logger, string id, string device);
}
