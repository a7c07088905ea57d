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
using Ttm.Silo.Placement;

namespace Ttm.Silo;

/// <summary>
/// Runs <see cref="DeviceStages"/> for one generation on this (accelerator) silo's device worker. The tensor work
/// runs off the grain's turns (the worker's thread, and a pool task for the small conversions); the grain only
/// moves events from a channel into the stream, storing payloads on the way. Leaving the stream cancels the work.
/// </summary>
[AcceleratorPlacement]
public sealed class DeviceStagesGrain(PipelineModels models, IArtifactStore store, ILocalSiloDetails silo, SiloRole role) : Grain, IDeviceStagesGrain
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async IAsyncEnumerable<DeviceStageUpdate> RunAsync(GenerationSpec spec, string planJson, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string id = this.GetPrimaryKeyString();
        var plan = JsonSerializer.Deserialize<PromptPlan>(planJson) ?? throw new ArgumentException("The plan is empty.", nameof(planJson));
        // Checkpoints in the shared store: a run again for this generation (its silo was lost) continues from them.
        var request = spec.ToRequest(await store.GetAsync(spec.ImageKey, cancellationToken), store.PathOf($"{id}/outputs")) with
        {
            Checkpoints = new ArtifactStageCheckpoints(store, id),
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var events = Channel.CreateBounded<PipelineEvent>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var clock = new StageClock(PipelineStage.Segment);
        var work = Task.Run(async () =>
        {
            try
            {
                var image = ImageInput.Decode(request.Image);
                return await new DeviceStages(models).RunAsync(request, image, plan, events.Writer, clock, stop.Token);
            }
            finally
            {
                events.Writer.TryComplete();
            }
        }, stop.Token);

        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
                yield return new DeviceStageUpdate(await Store(id, e, cancellationToken), null);

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
                yield return new DeviceStageUpdate(new GenerationEvent(0, default, GenerationEventKind.Failed, Text: failure, Stage: clock.Current.ToString(), Code: "internal"), null);
                yield break;
            }
            yield return new DeviceStageUpdate(null, new RenderedFrames(rendered.Video.Frames, rendered.Video.Width, rendered.Video.Height,
                rendered.Video.Pixels, rendered.Trajectory.Pixels,
                JsonSerializer.Serialize(rendered.Objects),
                clock.Seconds().ToDictionary(kv => kv.Key.Name(), kv => kv.Value), silo.SiloAddress.ToString(), role.Device, rendered.Resumed));
        }
        finally
        {
            stop.Cancel(); // the caller left (cancelled, deadline, failed): stop at the next step
            DeactivateOnIdle();
        }
    }

    async Task<GenerationEvent> Store(string id, PipelineEvent e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case SegmentationReady s:
                var maskKey = $"{id}/segmentation.png";
                await store.PutAsync(maskKey, s.MaskPng, cancellationToken);
                return Event(GenerationEventKind.Segmentation, artifact: maskKey,
                    text: JsonSerializer.Serialize(s.Objects.Select(ObjectSummary.Of), Json));
            case StagePreview p:
                var previewKey = $"{id}/previews/{p.Stage.Name()}-{p.Step:D3}.png";
                await store.PutAsync(previewKey, VideoEncoder.Png(p.Frames.Strip(), 0), cancellationToken);
                return Event(p.Stage == PipelineStage.Motion ? GenerationEventKind.MotionPreview : GenerationEventKind.VideoPreview,
                    artifact: previewKey, step: p.Step, steps: p.Steps);
            case MotionDone m:
                var trajectoryKey = $"{id}/trajectory.png";
                await store.PutAsync(trajectoryKey, VideoEncoder.Png(m.Trajectory.Strip(), 0), cancellationToken);
                return Event(GenerationEventKind.MotionDone, artifact: trajectoryKey);
            default:
                throw new InvalidOperationException($"The device stages do not emit {e.GetType().Name}.");
        }
    }

    static GenerationEvent Event(GenerationEventKind kind, string? text = null, string? artifact = null, int step = 0, int steps = 0) =>
        new(0, default, kind, Text: text, Step: step, Steps: steps, ArtifactKey: artifact);
}
