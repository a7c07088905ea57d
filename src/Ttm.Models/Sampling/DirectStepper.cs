namespace Ttm.Models.Sampling;

/// <summary>Steps a request on the calling thread, alone in its forward pass (tests, training tools, the sampler's own <see cref="FlowSampler.Sample"/>).</summary>
public sealed class DirectStepper : IDenoisingStepper
{
    public static DirectStepper Instance { get; } = new();

    public Task<StepResult> StepAsync(IStageSampler sampler, SamplingRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(sampler.Advance([request])[0]);
    }
}
