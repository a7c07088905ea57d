namespace Ttm.Grains;

/// <summary>
/// What Continue asks of a generation awaiting review: the video stage's seed, per plan object its edited path (t, x, y,
/// scale for each point, in the uploaded image's pixels; null keeps the reviewed motion), and the plan the first part made,
/// so the second needs neither planning nor segmentation nor stage 1 again.
/// </summary>
[GenerateSerializer, Immutable, Alias("ttm.generation-continuation.v1")]
public sealed record GenerationContinuation(
    [property: Id(0)] long Seed,
    [property: Id(1)] IReadOnlyList<IReadOnlyList<float>?> Paths,
    [property: Id(2)] GenerationPlan Plan);
