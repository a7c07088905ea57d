using System.Diagnostics.Metrics;

namespace Ttm.Pipeline.Devices;

/// <summary>
/// The device workers' instruments on the "Ttm.Devices" meter (exported to Prometheus by the silo): queue depth,
/// batch sizes, step latency, and generations in flight per stage and tenant.
/// </summary>
public static class DeviceMetrics
{
    public const string MeterName = "Ttm.Devices";
    static readonly Meter Meter = new(MeterName, "1.0");

    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("ttm.device.batch.size", "{request}",
        "Denoising requests evaluated together in one forward pass",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 3, 4, 6, 8, 12, 16, 32] });
    public static readonly Histogram<double> StepSeconds = Meter.CreateHistogram<double>("ttm.device.step.duration", "s",
        "Wall time of one batched forward pass and Euler step");
    public static readonly Histogram<double> QueueSeconds = Meter.CreateHistogram<double>("ttm.device.queue.wait", "s",
        "Time a unit of work waited for its device, per tenant and kind of work (step, job)");
    public static readonly Counter<long> Steps = Meter.CreateCounter<long>("ttm.device.steps", "{step}",
        "Denoising steps taken, per tenant and model");
    public static readonly Counter<long> CachedSteps = Meter.CreateCounter<long>("ttm.device.steps.cached", "{step}",
        "Denoising steps that reused the step cache (first block only), per tenant and model");
    public static readonly Counter<long> RetriedPasses = Meter.CreateCounter<long>("ttm.device.passes.retried", "{pass}",
        "Forward passes run once more after libtorch read a scalar TorchSharp's finalizer had freed (LibtorchScalars)");
    public static readonly UpDownCounter<int> ActiveGenerations = Meter.CreateUpDownCounter<int>("ttm.generations.active", "{generation}",
        "Generations in flight, per stage and tenant");

    static readonly List<DeviceWorker> Workers = [];

    static DeviceMetrics()
    {
        Meter.CreateObservableGauge("ttm.device.queue.depth", () =>
        {
            lock (Workers) return Workers.Select(w => new Measurement<int>(w.QueueDepth, new KeyValuePair<string, object?>("device", w.Name))).ToList();
        }, "{request}", "Work waiting for the device");
    }

    internal static void Track(DeviceWorker worker)
    {
        lock (Workers) Workers.Add(worker);
    }

    internal static void Untrack(DeviceWorker worker)
    {
        lock (Workers) Workers.Remove(worker);
    }
}
