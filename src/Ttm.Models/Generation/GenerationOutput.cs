using static TorchSharp.torch;

namespace Ttm.Models.Generation;

/// <summary>
/// The two outputs on the CPU, in [-1, 1]: ŝ (null for the TI2V baseline, which has no stage 1) and x̂, each
/// (1, 3, T, H, W); and the step each stage continued from (0: from noise).
/// </summary>
public sealed record GenerationOutput(Tensor? Trajectory, Tensor Video, int MotionResumedFrom, int VideoResumedFrom) : IDisposable
{
    public void Dispose()
    {
        Trajectory?.Dispose();
        Video.Dispose();
    }
}
