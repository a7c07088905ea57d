namespace Ttm.Models.Sampling;

/// <summary>
/// Takes one denoising step of one request: on the device worker, where it may share a forward pass with other
/// generations' steps (continuous batching), or directly (<see cref="DirectStepper"/>). The request advances in
/// place; the returned clean estimate is the caller's to dispose.
/// </summary>
public interface IDenoisingStepper
{
    Task<StepResult> StepAsync(IStageSampler sampler, SamplingRequest request, CancellationToken cancellationToken);
}
