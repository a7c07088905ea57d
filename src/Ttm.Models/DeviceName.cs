namespace Ttm.Models;

/// <summary>What kind of device a name means: the host's cores, a CUDA GPU, or a simulated accelerator (<see cref="Simulation.DeviceCostModel"/>).</summary>
public enum DeviceKind { Cpu, Cuda, Simulated }

/// <summary>
/// A device as the settings write it ("cpu", "cpu:0", "cuda", "cuda:1", "sim:h100"), parsed once: what runs where and how
/// wide a pass may batch follow from its <see cref="Kind"/>, not from string prefixes. A simulated device is never a
/// default: only a name that says "sim:" and a known profile selects one.
/// </summary>
public sealed record DeviceName(DeviceKind Kind, int Index, string Profile)
{
    /// <exception cref="ArgumentException">the name is none of the forms above</exception>
    public static DeviceName Parse(string name) =>
        TryParse(name, out var device, out var problem) ? device : throw new ArgumentException(problem, nameof(name));

    public static bool TryParse(string? name, out DeviceName device) => TryParse(name, out device, out _);

    static bool TryParse(string? name, out DeviceName device, out string problem)
    {
        device = null!;
        var parts = (name ?? "").Trim().ToLowerInvariant().Split(':');
        problem = $"'{name}' is not a device name; write cpu, cpu:0, cuda, cuda:N, or {Simulation.DeviceCostModel.Names} for a simulated accelerator.";
        int index = 0;
        switch (parts[0])
        {
            case "cpu" or "cuda" when parts.Length == 1 || parts.Length == 2 && int.TryParse(parts[1], out index) && index >= 0:
                device = new DeviceName(parts[0] == "cpu" ? DeviceKind.Cpu : DeviceKind.Cuda, index, "");
                return true;
            case "sim" when parts.Length == 2 && Simulation.DeviceCostModel.Profiles.ContainsKey(parts[1]):
                device = new DeviceName(DeviceKind.Simulated, 0, parts[1]);
                return true;
            case "sim":
                problem = $"'{name}' names no simulated device; write {Simulation.DeviceCostModel.Names}.";
                return false;
            default:
                return false;
        }
    }

    /// <summary>A pass's time is nearly flat in its rows (an accelerator, or its simulation): batches may be wide and any tenant may join.</summary>
    public bool BatchesWide => Kind != DeviceKind.Cpu;

    /// <summary>The name as every report of it reads (logs, the completed event's note): a simulated device says so.</summary>
    public string Label => Kind == DeviceKind.Simulated ? $"{this} (SIMULATED: passes and segmentation take its cost model's time; passes predict zeros)" : ToString();

    /// <summary><see cref="Label"/> of a device name, or the name as given when it parses as none (a test's worker).</summary>
    public static string LabelOf(string name) => TryParse(name, out var device) ? device.Label : name;

    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => $"cpu:{Index}",
        DeviceKind.Cuda => $"cuda:{Index}",
        _ => $"sim:{Profile}",
    };
}
