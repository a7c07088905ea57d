using static TorchSharp.torch;

namespace Ttm.Models;

/// <summary>
/// A network's forward pass run somewhere other than its own TorchSharp modules: ONNX Runtime (<see cref="Onnx.OnnxForward"/>)
/// or a simulated device (<see cref="Simulation.SimulatedForward"/>). A sampler given one runs every pass through it.
/// </summary>
public interface IForwardPass
{
    /// <returns>(B, 3, T, H, W), as <see cref="VideoDenoiser.forward"/></returns>
    Tensor forward(DitBatch batch);
}
