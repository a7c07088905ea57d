using static TorchSharp.torch;

namespace Ttm.Models;

/// <summary>Device names as the settings write them ("cpu", "cpu:0", "cuda", "cuda:1") → torch devices.</summary>
public static class TorchDevices
{
    /// <summary>Parses a device name; for CUDA, loads the CUDA backend and checks that the device exists.</summary>
    public static Device Parse(string name)
    {
        var parts = name.Trim().ToLowerInvariant().Split(':');
        int index = 0;
        if (parts.Length > 2 || parts.Length == 2 && !int.TryParse(parts[1], out index) || index < 0)
            throw new ArgumentException($"'{name}' is not a device name; write cpu, cpu:0, cuda or cuda:N.", nameof(name));
        switch (parts[0])
        {
            case "cpu":
                return CPU;
            case "cuda":
                try
                {
                    InitializeDeviceType(TorchSharp.DeviceType.CUDA);
                }
                catch (Exception e) when (e is NotSupportedException or InvalidOperationException or DllNotFoundException)
                {
                    throw new InvalidOperationException($"Device '{name}' needs libtorch's CUDA backend, which could not be loaded: {e.Message.Split('\n')[0]}", e);
                }
                if (!cuda.is_available())
                    throw new InvalidOperationException($"Device '{name}': no CUDA device is visible to libtorch on this machine.");
                if (index >= cuda.device_count())
                    throw new InvalidOperationException($"Device '{name}': this machine has {cuda.device_count()} CUDA device(s).");
                return new Device(TorchSharp.DeviceType.CUDA, index);
            default:
                throw new ArgumentException($"'{name}' is not a device name; write cpu, cpu:0, cuda or cuda:N.", nameof(name));
        }
    }

    /// <summary>Waits for the device's queued work (CUDA kernels run asynchronously), for honest timings.</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize(device);
    }
}
