namespace Ttm.Grains;

/// <summary>One object of the plan: how the plan names it, its local prompt c_local, and what grounding reads from it.</summary>
[GenerateSerializer, Immutable, Alias("ttm.planned-object.v1")]
public sealed record PlannedObject(
    [property: Id(0)] string Name,
    [property: Id(1)] string LocalPrompt,
    [property: Id(2)] string? Colour,
    [property: Id(3)] string? Noun,
    [property: Id(4)] string? Motion);

/// <summary>c → c_motion and c_local(1..L) (paper §3, prompt planning), and which planner wrote it.</summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-plan.v1")]
public sealed record GenerationPlan(
    [property: Id(0)] string Prompt,
    [property: Id(1)] string MotionPrompt,
    [property: Id(2)] IReadOnlyList<PlannedObject> Objects,
    [property: Id(3)] string Planner);
