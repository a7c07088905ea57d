namespace Ttm.Models;

/// <summary>Which library runs a network's forward passes on a device (whole, or in a step cache's pieces).</summary>
public enum NetworkRuntime
{
    /// <summary>TorchSharp's libtorch: every device.</summary>
    Libtorch,
    /// <summary>
    /// ONNX Runtime's CPU provider on the graph <see cref="Onnx.VideoDitGraph"/> writes from the same weights (fused attention
    /// and rotary operators): CPU devices only.
    /// </summary>
    OnnxRuntime,
    /// <summary>No network runs: a simulated device's passes take the time its cost model gives and predict zeros (<see cref="Simulation.SimulatedForward"/>).</summary>
    Simulated,
}

/// <summary>The settings' names for <see cref="NetworkRuntime"/>, and the default per device.</summary>
public static class NetworkRuntimes
{
    public const string Auto = "auto", Libtorch = "libtorch", OnnxRuntime = "onnxruntime";

    public static IReadOnlyList<string> Names { get; } = [Auto, Libtorch, OnnxRuntime];

    /// <summary>
    /// The runtime a setting means on a device: "auto" is ONNX Runtime on a CPU (10-18 % less time per pass at one and three
    /// rows on 2 cores, <c>./ttm bench forward</c>), libtorch on an accelerator, and the simulation on a simulated device;
    /// "onnxruntime" on an accelerator, or any runtime named for a simulated device, is an error.
    /// </summary>
    public static NetworkRuntime For(string device, string? setting = null)
    {
        var kind = DeviceName.Parse(device).Kind;
        bool cpu = kind == DeviceKind.Cpu;
        if (kind == DeviceKind.Simulated)
            return (setting ?? Auto).Trim().Equals(Auto, StringComparison.OrdinalIgnoreCase) ? NetworkRuntime.Simulated
                : throw new ArgumentException($"The simulated device '{device}' runs no network; leave the network runtime at auto.", nameof(setting));
        return (setting ?? Auto).Trim().ToLowerInvariant() switch
        {
            Auto => cpu ? NetworkRuntime.OnnxRuntime : NetworkRuntime.Libtorch,
            Libtorch => NetworkRuntime.Libtorch,
            OnnxRuntime when cpu => NetworkRuntime.OnnxRuntime,
            OnnxRuntime => throw new ArgumentException($"The network runtime onnxruntime runs on CPU devices only, not on '{device}'; use auto or libtorch there.", nameof(setting)),
            _ => throw new ArgumentException($"Unknown network runtime '{setting}'; write {string.Join(", ", Names)}.", nameof(setting)),
        };
    }
}
