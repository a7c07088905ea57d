using System.Diagnostics.Metrics;
using Ttm.Grains;

namespace Ttm.Silo.Telemetry;

/// <summary>The GPUs' NVML readings as observable gauges on the "Ttm.Gpus" meter (nothing is observed on a CPU-only silo).</summary>
public sealed class GpuMetrics : IDisposable
{
    public const string MeterName = "Ttm.Gpus";
    readonly Meter meter = new(MeterName, "1.0");

    public GpuMetrics(Nvml nvml)
    {
        Nvml = nvml;
        meter.CreateObservableGauge("ttm.gpu.utilization", () => Measure(nvml, r => r.UtilizationPercent / 100.0), "1", "GPU busy fraction over the last sample period");
        meter.CreateObservableGauge("ttm.gpu.memory.used", () => Measure(nvml, r => (double)r.MemoryUsedBytes), "By", "GPU memory in use");
        meter.CreateObservableGauge("ttm.gpu.memory.total", () => Measure(nvml, r => (double)r.MemoryTotalBytes), "By", "GPU memory");
        meter.CreateObservableGauge("ttm.gpu.power", () => Measure(nvml, r => r.PowerWatts), "W", "GPU power draw");
    }

    public Nvml Nvml { get; }

    static IEnumerable<Measurement<double>> Measure(Nvml nvml, Func<GpuReading, double> value) =>
        nvml.Read().Select(r => new Measurement<double>(value(r), new("gpu", r.Index), new("uuid", r.Uuid)));

    public void Dispose() => meter.Dispose();
}
