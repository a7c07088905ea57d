using Ttm.Contracts;

namespace Ttm.Grains;

/// <summary>
/// What Continue asks of a generation awaiting review: the video stage's seed, per plan object its edited path (t, x, y,
/// scale for each point, in the uploaded image's pixels; null keeps the reviewed motion), and the plan the first part made,
/// so the second needs neither planning nor segmentation nor stage 1 again. A variation's run is such a second part, on
/// a copy of its source's trajectory.
/// </summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-continuation.v1")]
public sealed record GenerationContinuation(
    [property: Id(0)] long Seed,
    [property: Id(1)] IReadOnlyList<IReadOnlyList<float>?> Paths,
    [property: Id(2)] PromptPlan Plan,
    [property: Id(3)] string? TrajectoryKey = null) // where the trajectory is; null: TrajectoryKeyOf(the generation), a variation's copy otherwise
{
    /// <summary>
    /// Where a generation's device stages keep the trajectory its video stage runs on (s(0) and ŝ, a ReviewedMotion): the
    /// first part of a reviewed generation leaves it for Continue, every other run for its variations.
    /// </summary>
    public static string TrajectoryKeyOf(string generationId) => $"{generationId}/review/motion.bin";
}
