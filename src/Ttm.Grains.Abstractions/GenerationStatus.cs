using Ttm.Contracts;

namespace Ttm.Grains;

/// <summary>A generation at a glance: its state, the stage it is in (or ended in), and how many events it has logged.</summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-status.v1")]
public sealed record GenerationStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] GenerationState State,
    [property: Id(2)] long LastSeq,
    [property: Id(3)] string? Tenant,
    [property: Id(4)] string? Prompt,
    [property: Id(5)] DateTimeOffset? CreatedAt,
    [property: Id(6)] GenerationStage Stage = GenerationStage.Plan,
    [property: Id(7)] int Progress = 0,
    [property: Id(8)] string? VariationOf = null); // a variation's source generation
