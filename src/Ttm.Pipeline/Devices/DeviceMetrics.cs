using System.Diagnostics.Metrics;

namespace Ttm.Pipeline.Devices;

/// <summary>
/// The device workers' instruments on the "Ttm.Devices" meter (exported to Prometheus by the silo): queue depth,
/// batch sizes, step latency, and generations in flight per stage and tenant. One per host, from its
/// <see cref="IMeterFactory"/> (the silo's), shared by that host's workers; a worker made without one makes its own.
/// </summary>
public sealed class DeviceMetrics : IDisposable
{
    public const string MeterName = "Ttm.Devices";
    readonly Meter meter;
    readonly bool ownsMeter;
    readonly List<DeviceWorker> workers = [];

    /// <param name="meterFactory">the host's meter factory (it disposes the meter); null: a meter of this instance's own</param>
    public DeviceMetrics(IMeterFactory? meterFactory = null)
    {
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(new MeterOptions(MeterName) { Version = "1.0" }) ?? new Meter(MeterName, "1.0");
        BatchSize = meter.CreateHistogram<int>("ttm.device.batch.size", "{request}",
            "Denoising requests evaluated together in one forward pass",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 3, 4, 6, 8, 12, 16, 32] });
        StepSeconds = meter.CreateHistogram<double>("ttm.device.step.duration", "s", "Wall time of one batched forward pass and Euler step");
        QueueSeconds = meter.CreateHistogram<double>("ttm.device.queue.wait", "s",
            "Time a unit of work waited for its device, per tenant and kind of work (step, job)");
        Steps = meter.CreateCounter<long>("ttm.device.steps", "{step}", "Denoising steps taken, per tenant and model");
        CachedSteps = meter.CreateCounter<long>("ttm.device.steps.cached", "{step}",
            "Denoising steps that reused the step cache (first block only), per tenant and model");
        RetriedPasses = meter.CreateCounter<long>("ttm.device.passes.retried", "{pass}",
            "Forward passes run once more after libtorch read a scalar TorchSharp's finalizer had freed (LibtorchScalars)");
        ActiveGenerations = meter.CreateUpDownCounter<int>("ttm.generations.active", "{generation}", "Generations in flight, per stage and tenant");
        meter.CreateObservableGauge("ttm.device.queue.depth", () =>
        {
            lock (workers) return workers.Select(w => new Measurement<int>(w.QueueDepth, new KeyValuePair<string, object?>("device", w.Name))).ToList();
        }, "{request}", "Work waiting for the device");
    }

    public Histogram<int> BatchSize { get; }
    public Histogram<double> StepSeconds { get; }
    public Histogram<double> QueueSeconds { get; }
    public Counter<long> Steps { get; }
    public Counter<long> CachedSteps { get; }
    public Counter<long> RetriedPasses { get; }
    public UpDownCounter<int> ActiveGenerations { get; }

    internal void Track(DeviceWorker worker)
    {
        lock (workers) workers.Add(worker);
    }

    internal void Untrack(DeviceWorker worker)
    {
        lock (workers) workers.Remove(worker);
    }

    public void Dispose()
    {
        if (ownsMeter) meter.Dispose();
    }
}
