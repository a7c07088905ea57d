using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Ttm.Contracts;
using Ttm.Pipeline.Encoding;
using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;

namespace Ttm.Pipeline;

/// <summary>
/// The whole Through-The-Mask generation in-process: plan → segment s(0) → Image-to-Motion ŝ → Motion-to-Video
/// x̂ → encode, as a stream of events with every partial result. Request checks (prompt, image, object count)
/// throw <see cref="InvalidRequestException"/> / <see cref="InvalidImageException"/> before the first event;
/// a failure after that ends the stream with <see cref="Failed"/>. Cancellation stops within one step.
/// The cluster runs the same pieces apart: <see cref="PrepareAsync"/> and <see cref="GenerationOutputs"/> on any
/// silo, <see cref="DeviceStages"/> on an accelerator silo.
/// </summary>
public sealed class TtmPipeline(PipelineModels models)
{
    readonly GenerationOutputs outputs = new(new VideoEncoder());

    public async IAsyncEnumerable<PipelineEvent> RunAsync(PipelineRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var clock = new StageClock(GenerationStage.Plan);
        var (image, plan) = await PrepareAsync(request, models.Decoders, models.Planner, models.Video.Config.MaxObjects, cancellationToken);
        clock.Enter(GenerationStage.Segment);
        yield return new PlanReady(plan);

        // A small buffer: the generation runs at most a few events ahead of its reader, and nothing is
        // handed out after cancellation (the producer stops at its next step).
        var events = Channel.CreateBounded<PipelineEvent>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var work = Task.Run(() => Generate(request, image, plan, clock, events.Writer, cancellationToken), cancellationToken);
        await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }
        await work;
    }

    /// <summary>Checks the request, decodes the image (in one of the host's <paramref name="decoders"/>) and plans the prompts; refuses (throws) what cannot be generated.</summary>
    public static async Task<(RgbImage Image, PromptPlan Plan)> PrepareAsync(PipelineRequest request, ImageDecoders decoders, IPromptPlanner planner, int maxObjects,
        CancellationToken cancellationToken)
    {
        request.Validate();
        var image = decoders.Decode(request.Image);
        var plan = await planner.PlanAsync(request.Prompt, cancellationToken);
        if (plan.Objects.Count > maxObjects)
            throw new InvalidRequestException(
                $"The prompt mentions {plan.Objects.Count} objects ({string.Join(", ", plan.Objects.Select(o => o.Name))}); this model animates at most {maxObjects}.");
        if (request.Hints.Count > plan.Objects.Count)
            throw new InvalidRequestException($"{request.Hints.Count} object hints were given but the prompt mentions {plan.Objects.Count} objects.");
        return (image, plan);
    }

    async Task Generate(PipelineRequest request, RgbImage image, PromptPlan plan, StageClock clock,
        ChannelWriter<PipelineEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            var rendered = await new DeviceStages(models).RunAsync(request, image, plan, events, clock, cancellationToken);
            clock.Enter(GenerationStage.Encode);
            var artifacts = await outputs.WriteAsync(request, plan, rendered, clock.Seconds(), events, models.Encodes, cancellationToken);
            await events.WriteAsync(new Completed(artifacts, clock.Seconds()), cancellationToken);
            events.Complete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            events.Complete(new OperationCanceledException(cancellationToken));
        }
        catch (Exception e)
        {
            try
            {
                await events.WriteAsync(new Failed(clock.Current, e.Message), cancellationToken);
            }
            finally
            {
                events.Complete();
            }
        }
    }
}
