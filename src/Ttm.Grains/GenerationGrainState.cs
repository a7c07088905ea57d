using Ttm.Contracts;

namespace Ttm.Grains;

/// <summary>What a generation grain persists: the request and where it is. Its events live in the <see cref="IGenerationEventLog"/>.</summary>
[GenerateSerializer, Alias("ttm.generation-grain-state.v1")]
public sealed class GenerationGrainState
{
    [Id(0)] public GenerationSpec? Spec { get; set; }
    [Id(1)] public GenerationState State { get; set; }
    [Id(3)] public DateTimeOffset? CreatedAt { get; set; }
    [Id(4)] public GenerationStage Stage { get; set; }
    /// <summary>0..100 as of the last stage change (written with it, so an ended generation keeps where it stopped).</summary>
    [Id(5)] public int Progress { get; set; }
    /// <summary>The W3C traceparent of the call that admitted it: a run driven again on another silo continues that trace.</summary>
    [Id(6)] public string? TraceParent { get; set; }
    /// <summary>What Continue asked of it after review (null before): a run driven again drives this second part.</summary>
    [Id(7)] public GenerationContinuation? Continuation { get; set; }
    /// <summary>When Continue was asked: the deadline counts from here for the second part (review time is the person's, not the run's).</summary>
    [Id(8)] public DateTimeOffset? ContinuedAt { get; set; }
}
