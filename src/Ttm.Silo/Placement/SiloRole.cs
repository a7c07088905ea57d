namespace Ttm.Silo.Placement;

/// <summary>
/// What a silo declares in its Orleans silo metadata: its role (accelerator silos run segmentation and both
/// denoising stages; plain silos plan and encode), its device, and the models it can run. Configured as
/// Ttm:Role and Ttm:Device (<see cref="Options.SiloOptions"/>). On a machine without a GPU
/// an accelerator silo runs the same code on the CPU device.
/// </summary>
public sealed record SiloRole(string Role, string Device, string Models)
{
    public const string RoleKey = "ttm.role";
    public const string DeviceKey = "ttm.device";
    public const string ModelsKey = "ttm.models";
    public const string Accelerator = "accelerator";
    public const string Plain = "plain";

    public bool IsAccelerator => Role == Accelerator;

    public static SiloRole From(Options.SiloOptions options) =>
        new(options.Role, options.Device, options.Role == Accelerator ? "motion,video-ttm,segmenter" : "");

    public Dictionary<string, string> Metadata() => new() { [RoleKey] = Role, [DeviceKey] = Device, [ModelsKey] = Models };
}
