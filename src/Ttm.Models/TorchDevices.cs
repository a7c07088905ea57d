using static TorchSharp.torch;

namespace Ttm.Models;

/// <summary>Device names as the settings write them ("cpu", "cpu:0", "cuda", "cuda:1") → torch devices.</summary>
public static class TorchDevices
{
    /// <summary>
    /// Parses a device name (<see cref="DeviceName"/>); for CUDA, loads the CUDA backend and checks that the device exists.
    /// A simulated device keeps its tensors on the host.
    /// </summary>
    public static Device Parse(string name)
    {
        var device = DeviceName.Parse(name);
        int index = device.Index;
        switch (device.Kind)
        {
            case DeviceKind.Cpu or DeviceKind.Simulated:
                return CPU;
            case DeviceKind.Cuda:
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
                throw new ArgumentOutOfRangeException(nameof(name), device.Kind, "Unknown device kind.");
        }
    }

    /// <summary>Waits for the device's queued work (CUDA kernels run asynchronously), for honest timings.</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize(device);
    }
}
