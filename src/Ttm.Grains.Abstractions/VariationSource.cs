using Ttm.Contracts;

namespace Ttm.Grains;

/// <summary>
/// What a variation of a generation starts from: the source's request (its image under <see cref="GenerationSpec.ImageKey"/>),
/// the plan its first part made, the edited paths its video stage ran with (per plan object, or null; empty when none was
/// edited), and where its trajectory is stored (<see cref="GenerationContinuation.TrajectoryKeyOf"/>). A variation copies
/// the image and the trajectory into its own folder, so deleting or expiring the source does not touch it.
/// </summary>
[GenerateSerializer, Immutable, Alias("ttm.variation-source.v1")]
public sealed record VariationSource(
    [property: Id(0)] GenerationSpec Spec,
    [property: Id(1)] PromptPlan Plan,
    [property: Id(2)] IReadOnlyList<IReadOnlyList<float>?> Paths,
    [property: Id(3)] string TrajectoryKey);
