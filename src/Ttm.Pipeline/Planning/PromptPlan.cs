namespace Ttm.Pipeline.Planning;

/// <summary>One object the prompt talks about: how the plan names it, and its local prompt c_local.</summary>
/// <param name="Name">e.g. "red circle": colour and noun, used to ground the object to a mask</param>
/// <param name="Colour">canonical colour word, when the prompt gave one</param>
/// <param name="Noun">canonical noun ("circle" for "ball")</param>
/// <param name="Motion">compass label (left, up-right, still, …) when the prompt's motion reads as one</param>
public sealed record ObjectPrompt(string Name, string LocalPrompt, string? Colour = null, string? Noun = null, string? Motion = null);

/// <summary>c → c_motion and c_local(1..L) (paper §3, prompt planning), and which planner wrote it.</summary>
public sealed record PromptPlan(string Prompt, string MotionPrompt, IReadOnlyList<ObjectPrompt> Objects, string Planner);

/// <summary>Turns a user's sentence into a plan.</summary>
public interface IPromptPlanner
{
    Task<PromptPlan> PlanAsync(string prompt, CancellationToken cancellationToken);
}
