using static TorchSharp.torch;

namespace Ttm.Models.Sampling;

/// <summary>
/// A network's sampler as <see cref="StageRunner"/> and the device worker drive it: start or resume a request, and advance
/// any set of requests on its network one step each in one batched forward pass. <see cref="FlowSampler"/> (the DiT's Euler
/// flow steps) and <see cref="DdimSampler"/> (the U-Net's DDIM steps); requests of two samplers never share a pass.
/// </summary>
public interface IStageSampler
{
    /// <summary>The network every pass of this sampler runs (batches join only on the same one).</summary>
    VideoDenoiser Network { get; }

    /// <summary>Starts a request from seeded Gaussian noise (the same seed gives the same noise on any device).</summary>
    SamplingRequest Start(StageConditions conditions, SamplingOptions options);

    /// <summary>Continues a request from a checkpoint: x_t after <paramref name="step"/> steps of the same options.</summary>
    /// <param name="state">(1, 3, T, H, W) the latent saved at that step</param>
    SamplingRequest Resume(StageConditions conditions, SamplingOptions options, int step, Tensor state);

    /// <summary>Advances each request by one step in a single batched forward pass.</summary>
    /// <returns>per request, the clean estimate after this step (for streamed previews); caller disposes</returns>
    IReadOnlyList<StepResult> Advance(IReadOnlyList<SamplingRequest> requests);
}
