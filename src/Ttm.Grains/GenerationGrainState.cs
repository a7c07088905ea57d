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
}
