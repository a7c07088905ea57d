using Ttm.Models.Sampling;
using static TorchSharp.torch;

namespace Ttm.Models.Generation;

/// <summary>What the two-stage chain hands out: each stage's hooks, and the trajectory ŝ (1, 3, T, H, W) when stage 1 ends (it must not keep it).</summary>
public sealed record ChainHooks
{
    public static ChainHooks None { get; } = new();

    public StageHooks Motion { get; init; } = StageHooks.None;
    public StageHooks Video { get; init; } = StageHooks.None;
    public Func<Tensor, CancellationToken, Task>? OnTrajectory { get; init; }
}
