using Orleans;

namespace Ttm.Contracts;

/// <summary>
/// Whether both stages may reuse the last full step's blocks: off is exact, balanced is the setting we recommend, aggressive
/// skips more for a measured quality cost (the models' <c>StepCachePolicy.Named</c>, in the same order).
/// </summary>
[GenerateSerializer, Alias("ttm.step-cache.v1")]
public enum StepCache { Off, Balanced, Aggressive }
