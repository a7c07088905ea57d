using static TorchSharp.torch;

namespace Ttm.Models.Simulation;

/// <summary>
/// A forward pass on a simulated device (<see cref="DeviceKind.Simulated"/>): the calling (device) thread is busy for the
/// time <see cref="DeviceCostModel"/> gives for the network's configuration and the pass's rows, and the prediction is
/// zeros of the right shape — the samplers, batching, previews, checkpoints and the cluster run as they would, while what
/// they produce is not a video. Never a default: only a device named "sim:…" selects it.
/// </summary>
public sealed class SimulatedForward(TtmConfig config, DeviceCostModel cost) : IForwardPass
{
    /// <summary>Passes run so far, and the seconds they were charged.</summary>
    public long Passes => Interlocked.Read(ref passes);
    long passes;

    /// <returns>(B, 3, T, H, W) zeros, after the pass's simulated time</returns>
    public Tensor forward(DitBatch batch)
    {
        int rows = (int)batch.Size;
        Thread.Sleep(TimeSpan.FromSeconds(cost.PassSeconds(config, rows)));
        Interlocked.Increment(ref passes);
        return zeros([rows, 3, config.Frames, config.Height, config.Width], device: batch.Noisy.device);
    }
}
