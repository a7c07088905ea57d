using Ttm.Contracts;
using Ttm.Models.Sampling;

namespace Ttm.Pipeline;

/// <summary>A named step-cache setting as the models' policy.</summary>
public static class StepCachePolicies
{
    public static StepCachePolicy Policy(this StepCache cache) => cache switch
    {
        StepCache.Off => StepCachePolicy.Off,
        StepCache.Balanced => StepCachePolicy.Balanced,
        StepCache.Aggressive => StepCachePolicy.Aggressive,
        _ => throw new ArgumentOutOfRangeException(nameof(cache), cache, "No such step cache."),
    };
}
