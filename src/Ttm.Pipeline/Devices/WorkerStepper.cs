using System.Diagnostics;
using Ttm.Models.Sampling;

namespace Ttm.Pipeline.Devices;

/// <summary>
/// The device worker as a stage runner's stepper for one tenant's generation: each step joins the tenant-fair queue (in
/// its priority class) and may share a forward pass. Each step is a span in the generation's trace, from queued to done;
/// the pass that served it links to it.
/// </summary>
public sealed class WorkerStepper(DeviceWorker worker, string tenant, WorkPriority priority = WorkPriority.Interactive, DeviceMeter? meter = null)
    : IDenoisingStepper
{
    public async Task<StepResult> StepAsync(IStageSampler sampler, SamplingRequest request, CancellationToken cancellationToken)
    {
        using var span = PipelineTracing.Source.StartActivity("device step");
        span?.SetTag("ttm.step", request.Step).SetTag("ttm.steps", request.Options.Steps).SetTag("ttm.model", sampler.Network.Config.Stage.ToString());
        try
        {
            return await worker.StepAsync(sampler, request, tenant, cancellationToken, priority, meter);
        }
        catch (Exception e)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }
}
