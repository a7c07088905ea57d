using Ttm.Pipeline;

namespace Ttm.Silo.Telemetry;

/// <summary>The models this silo has loaded, once it has (an accelerator silo loads them at start or on its first device work).</summary>
public sealed class LoadedModels
{
    public PipelineModels? Models { get; set; }

    /// <summary>Why loading them at start failed, when it did (the startup probe says it).</summary>
    public string? LoadError { get; set; }
}
