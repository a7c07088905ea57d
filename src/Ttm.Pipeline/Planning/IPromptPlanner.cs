using Ttm.Contracts;

namespace Ttm.Pipeline.Planning;

/// <summary>Turns a user's sentence into a plan.</summary>
public interface IPromptPlanner
{
    Task<PromptPlan> PlanAsync(string prompt, CancellationToken cancellationToken);
}
