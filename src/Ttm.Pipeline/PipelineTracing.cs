using System.Diagnostics;

namespace Ttm.Pipeline;

/// <summary>
/// The pipeline's spans: each device stage, each checkpoint, each denoising step (in its generation's trace) and each
/// pass on the device thread (in a trace of its own, linked to the steps it served). The host exports them.
/// </summary>
public static class PipelineTracing
{
    public static readonly ActivitySource Source = new("Ttm.Pipeline");

    /// <summary>The generation id's baggage and tag (Ttm.Grains' GenerationTrace sets it where a generation's work starts).</summary>
    public const string GenerationIdTag = "ttm.generation_id";
}
