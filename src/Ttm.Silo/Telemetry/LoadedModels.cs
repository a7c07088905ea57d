using Ttm.Pipeline;

namespace Ttm.Silo.Telemetry;

/// <summary>The models this silo has loaded, once it has (an accelerator silo loads them on its first device work).</summary>
public sealed class LoadedModels
{
    public PipelineModels? Models { get; set; }
}
