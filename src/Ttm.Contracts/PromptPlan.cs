using Orleans;

namespace Ttm.Contracts;

/// <summary>One object the prompt talks about: how the plan names it, its local prompt c_local, and what grounding reads from it.</summary>
/// <param name="Name">e.g. "red circle": colour and noun, used to ground the object to a mask</param>
/// <param name="Colour">canonical colour word, when the prompt gave one</param>
/// <param name="Noun">canonical noun ("circle" for "ball")</param>
/// <param name="Motion">compass label (left, up-right, still, …) when the prompt's motion reads as one</param>
[GenerateSerializer, Immutable, Alias("ttm.planned-object.v1")]
public sealed record ObjectPrompt(
    [property: Id(0)] string Name,
    [property: Id(1)] string LocalPrompt,
    [property: Id(2)] string? Colour = null,
    [property: Id(3)] string? Noun = null,
    [property: Id(4)] string? Motion = null);

/// <summary>c → c_motion and c_local(1..L) (paper §3, prompt planning), and which planner wrote it.</summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-plan.v1")]
public sealed record PromptPlan(
    [property: Id(0)] string Prompt,
    [property: Id(1)] string MotionPrompt,
    [property: Id(2)] IReadOnlyList<ObjectPrompt> Objects,
    [property: Id(3)] string Planner);
