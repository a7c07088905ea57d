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
abstract class DeviceWork(string tenant, WorkPriority priority, DeviceMeter? meter)
{
    public string Tenant { get; } = tenant;
    /// <summary>The generation's meter, charged this work's share of each pass it ran in.</summary>
    public DeviceMeter? Meter { get; } = meter;
    public WorkPriority Priority { get; } = priority;
    public long EnqueuedTimestamp { get; } = Stopwatch.GetTimestamp();
    /// <summary>The span that queued this work (a generation's device step): the pass that serves it links to it.</summary>
    public ActivityContext Caller { get; } = Activity.Current?.Context ?? default;
    /// <summary>The generation it works for, where its trace says (the baggage of its caller's span).</summary>
    public string? Generation { get; } = Activity.Current?.GetBaggageItem(PipelineTracing.GenerationIdTag);
    public abstract string Kind { get; }
    public abstract void Fail(Exception error);
    public abstract void Cancel();
}

/// <summary>"Evaluate the model for my next step": joins a batch with other steps on the same sampler's model.</summary>
sealed class StepWork(IStageSampler sampler, SamplingRequest request, string tenant, WorkPriority priority, DeviceMeter? meter) : DeviceWork(tenant, priority, meter)
{
    public IStageSampler Sampler { get; } = sampler;
    public SamplingRequest Request { get; } = request;
    public TaskCompletionSource<StepResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override string Kind => "step";
    public bool CanJoin(StepWork other) => ReferenceEquals(Sampler.Network, other.Sampler.Network);
    public override void Fail(Exception error) => Completion.TrySetException(error);
    public override void Cancel() => Completion.TrySetCanceled();
}

/// <summary>Device work that does not batch (the segmenter's encoder and decoder, an encode on a CPU device), run alone on the device thread.</summary>
sealed class JobWork<T>(Func<T> job, string tenant, WorkPriority priority, DeviceMeter? meter) : DeviceWork(tenant, priority, meter), IJobWork
{
    public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public override string Kind => "job";

    /// <returns>whether the job succeeded</returns>
    public bool Run()
    {
        try
        {
            Completion.TrySetResult(job());
            return true;
        }
        catch (Exception e)
        {
            Completion.TrySetException(e);
            return false;
        }
    }

    public override void Fail(Exception error) => Completion.TrySetException(error);
    public override void Cancel() => Completion.TrySetCanceled();
}

interface IJobWork
{
    bool Run();
}
