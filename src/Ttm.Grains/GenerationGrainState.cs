namespace Ttm.Grains;

/// <summary>What a generation grain persists: the request, where it is, and its whole event log (payloads by reference).</summary>
[GenerateSerializer, Alias("ttm.generation-grain-state.v1")]
public sealed class GenerationGrainState
{
    [Id(0)] public GenerationSpec? Spec { get; set; }
    [Id(1)] public GenerationState State { get; set; }
    [Id(2)] public List<GenerationEvent> Events { get; set; } = [];
    [Id(3)] public DateTimeOffset? CreatedAt { get; set; }
    [Id(4)] public GenerationStage Stage { get; set; }
}
