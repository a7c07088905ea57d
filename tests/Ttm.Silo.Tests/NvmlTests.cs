using System.Runtime.InteropServices;
using Ttm.Silo.Telemetry;

namespace Ttm.Silo.Tests;

/// <summary>NVML: real readings where the NVIDIA driver is; elsewhere (these machines) a clear "no GPU", no exception, no readings.</summary>
public sealed class NvmlTests
{
    [Fact]
    public void Nvml_ReadsEveryGpu_OrSaysClearlyThatThereIsNone()
    {
        var nvml = Nvml.Open();
        using var gauges = new GpuMetrics(nvml);
        if (NativeLibrary.TryLoad("libnvidia-ml.so.1", out var library))
        {
            NativeLibrary.Free(library);
            Assert.True(nvml.Available, nvml.Status);
            Assert.All(nvml.Read(), r =>
            {
                Assert.StartsWith("GPU-", r.Uuid);
                Assert.True(r.MemoryTotalBytes > 0 && r.MemoryUsedBytes <= r.MemoryTotalBytes);
                Assert.InRange(r.UtilizationPercent, 0, 100);
            });
        }
        else
        {
            Assert.False(nvml.Available);
            Assert.Contains("libnvidia-ml.so.1 not found", nvml.Status);
            Assert.Empty(nvml.Read());
        }
    }
}
