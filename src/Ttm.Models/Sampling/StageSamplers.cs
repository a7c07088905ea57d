using Ttm.Models.Onnx;

namespace Ttm.Models.Sampling;

/// <summary>Each backbone's sampler: the DiT's Euler flow steps, the U-Net's DDIM steps (v-prediction, its config's schedule).</summary>
public static class StageSamplers
{
    /// <param name="pass">where the network's passes run: ONNX Runtime, a simulated device (absent: libtorch)</param>
    public static IStageSampler For(VideoDenoiser network, IForwardPass? pass = null) => network switch
    {
        VideoDit dit => new FlowSampler(dit, pass),
        VideoUnet unet => new DdimSampler(unet, pass),
        _ => throw new ArgumentOutOfRangeException(nameof(network), network.GetType().Name, "No sampler for this network."),
    };
}
