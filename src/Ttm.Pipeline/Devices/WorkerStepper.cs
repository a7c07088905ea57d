using Ttm.Models.Sampling;

namespace Ttm.Pipeline.Devices;

/// <summary>The device worker as a stage runner's stepper for one tenant's generation: each step joins the tenant-fair queue (in its priority class) and may share a forward pass.</summary>
public sealed class WorkerStepper(DeviceWorker worker, string tenant, WorkPriority priority = WorkPriority.Interactive) : IDenoisingStepper
{
    public Task<StepResult> StepAsync(FlowSampler sampler, SamplingRequest request, CancellationToken cancellationToken) =>
        worker.StepAsync(sampler, request, tenant, cancellationToken, priority);
}
