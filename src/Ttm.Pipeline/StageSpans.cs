using System.Diagnostics;
using Ttm.Contracts;
using Ttm.Models.Sampling;

namespace Ttm.Pipeline;

/// <summary>
/// The device stages' spans, one per stage (segment, motion, video) as <see cref="StageClock"/> enters it, each a child of
/// the span the stages run under. A stage changes inside the two-stage chain (its trajectory hook), whose steps keep
/// the context they were started in: <see cref="Stepper"/> runs each step under the stage current when it is asked.
/// Spans are started under a current <see cref="Activity"/>, not an <see cref="ActivityContext"/>: a parent object
/// passes its baggage (the generation id and tenant) on, a context does not.
/// </summary>
sealed class StageSpans : IDisposable
{
    readonly Activity? parent = Activity.Current;
    Activity? current;

    /// <summary>Ends the stage before and starts this one, current in the caller's flow from here.</summary>
    public void Enter(GenerationStage stage)
    {
        current?.Dispose();
        Activity.Current = parent;
        current = PipelineTracing.Source.StartActivity(stage.Name());
    }

    /// <summary>A span of the current stage (a checkpoint's save), current in the caller's flow until disposed.</summary>
    public Activity? StartInStage(string name)
    {
        Activity.Current = current ?? parent;
        return PipelineTracing.Source.StartActivity(name);
    }

    /// <summary>The stepper whose steps are children of the stage current at each step.</summary>
    public IDenoisingStepper Stepper(IDenoisingStepper inner) => new InStage(inner, this);

    public void Dispose() => current?.Dispose();

    sealed class InStage(IDenoisingStepper inner, StageSpans spans) : IDenoisingStepper
    {
        public async Task<StepResult> StepAsync(IStageSampler sampler, SamplingRequest request, CancellationToken cancellationToken)
        {
            Activity.Current = spans.current ?? Activity.Current; // this step's flow only: an async method restores its caller's
            return await inner.StepAsync(sampler, request, cancellationToken);
        }
    }
}
