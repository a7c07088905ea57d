using System.Runtime.InteropServices;
using System.Text;
using Ttm.Grains;

namespace Ttm.Silo.Telemetry;

/// <summary>
/// NVIDIA's management library by P/Invoke (libnvidia-ml.so.1, shipped with the driver). Where the library or a
/// driver is absent (any CPU-only machine) <see cref="Open"/> says why and reads nothing; nothing throws.
/// </summary>
public sealed class Nvml
{
    const string Library = "libnvidia-ml.so.1";
    const int Success = 0;

    [StructLayout(LayoutKind.Sequential)]
    internal struct Utilization { public uint Gpu; public uint Memory; }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Memory { public ulong Total; public ulong Free; public ulong Used; }

    [DllImport(Library)] static extern int nvmlInit_v2();
    [DllImport(Library)] static extern int nvmlDeviceGetCount_v2(out uint count);
    [DllImport(Library)] static extern int nvmlDeviceGetHandleByIndex_v2(uint index, out IntPtr device);
    [DllImport(Library)] static extern int nvmlDeviceGetUtilizationRates(IntPtr device, out Utilization utilization);
    [DllImport(Library)] static extern int nvmlDeviceGetMemoryInfo(IntPtr device, out Memory memory);
    [DllImport(Library)] static extern int nvmlDeviceGetPowerUsage(IntPtr device, out uint milliwatts);
    [DllImport(Library)] static extern int nvmlDeviceGetUUID(IntPtr device, byte[] uuid, uint length);
    [DllImport(Library)] static extern int nvmlDeviceGetName(IntPtr device, byte[] name, uint length);

    readonly IntPtr[] devices;

    Nvml(IntPtr[] devices, string status)
    {
        this.devices = devices;
        Status = status;
    }

    /// <summary>"2 GPUs", or why there are none ("libnvidia-ml.so.1 not found (no NVIDIA driver)", an NVML error code).</summary>
    public string Status { get; }
    public bool Available => devices.Length > 0;

    public static Nvml Open()
    {
        try
        {
            if (nvmlInit_v2() is var init and not Success) return new Nvml([], $"nvmlInit_v2 failed with NVML error {init}");
            if (nvmlDeviceGetCount_v2(out var count) is var counted and not Success) return new Nvml([], $"nvmlDeviceGetCount_v2 failed with NVML error {counted}");
            var handles = new List<IntPtr>();
            for (uint i = 0; i < count; i++)
                if (nvmlDeviceGetHandleByIndex_v2(i, out var handle) == Success) handles.Add(handle);
            return new Nvml([.. handles], $"{handles.Count} GPU{(handles.Count == 1 ? "" : "s")}");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return new Nvml([], $"{Library} not found (no NVIDIA driver): no GPU");
        }
    }

    /// <summary>Every GPU's utilisation, memory and power now; a reading NVML refuses stays 0.</summary>
    public IReadOnlyList<GpuReading> Read()
    {
        var readings = new List<GpuReading>(devices.Length);
        for (int i = 0; i < devices.Length; i++)
        {
            var device = devices[i];
            nvmlDeviceGetUtilizationRates(device, out var utilization);
            nvmlDeviceGetMemoryInfo(device, out var memory);
            nvmlDeviceGetPowerUsage(device, out var milliwatts);
            readings.Add(new GpuReading(i, Text(b => nvmlDeviceGetUUID(device, b, (uint)b.Length)), Text(b => nvmlDeviceGetName(device, b, (uint)b.Length)),
                (int)utilization.Gpu, (int)utilization.Memory, (long)memory.Used, (long)memory.Total, milliwatts / 1000.0));
        }
        return readings;
    }

    static string Text(Func<byte[], int> read)
    {
        var buffer = new byte[96];
        return read(buffer) == Success ? Encoding.ASCII.GetString(buffer, 0, Math.Max(0, Array.IndexOf(buffer, (byte)0))) : "";
    }
}
