using System.Diagnostics;
using Ttm.Models.Sampling;

namespace Ttm.Pipeline.Devices;

/// <summary>How urgently a generation's device work is wanted: someone watching (interactive) or a queue of jobs (batch).</summary>
public enum WorkPriority
{
    Interactive,
    Batch,
}

/// <summary>One unit of work waiting for a device: a denoising step (batchable) or an opaque job (segmentation).</summary>
abstract class DeviceWork(string tenant, WorkPriority priority)
{
    public string Tenant { get; } = tenant;
    public WorkPriority Priority { get; } = priority;
    public long EnqueuedTimestamp { get; } = Stopwatch.GetTimestamp();
    public abstract string Kind { get; }
    public abstract void Fail(Exception error);
    public abstract void Cancel();
}

/// <summary>"Evaluate the model for my next step": joins a batch with other steps on the same sampler's model.</summary>
sealed class StepWork(FlowSampler sampler, SamplingRequest request, string tenant, WorkPriority priority) : DeviceWork(tenant, priority)
{
    public FlowSampler Sampler { get; } = sampler;
    public SamplingRequest Request { get; } = request;
    public TaskCompletionSource<StepResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override string Kind => "step";
    public bool CanJoin(StepWork other) => ReferenceEquals(Sampler.Model, other.Sampler.Model);
    public override void Fail(Exception error) => Completion.TrySetException(error);
    public override void Cancel() => Completion.TrySetCanceled();
}

/// <summary>Device work that does not batch (the segmenter's encoder and decoder, an encode on a CPU device), run alone on the device thread.</summary>
sealed class JobWork<T>(Func<T> job, string tenant, WorkPriority priority) : DeviceWork(tenant, priority), IJobWork
{
    public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public override string Kind => "job";

    public void Run()
    {
        try { Completion.TrySetResult(job()); }
        catch (Exception e) { Completion.TrySetException(e); }
    }

    public override void Fail(Exception error) => Completion.TrySetException(error);
    public override void Cancel() => Completion.TrySetCanceled();
}

interface IJobWork
{
    void Run();
}
