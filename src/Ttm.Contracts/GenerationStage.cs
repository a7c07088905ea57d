using Orleans;

namespace Ttm.Contracts;

/// <summary>
/// The stages of one generation, in order, with one spelling everywhere: the pipeline's clock and events, the grains'
/// events, failures and seconds, logs, file names. (A model's own stage, motion or video, is <c>Ttm.Models.ModelStage</c>:
/// which network a config builds, a property of the weights rather than of a generation's progress.)
/// </summary>
[GenerateSerializer, Alias("ttm.generation-stage.v1")]
public enum GenerationStage { Plan, Segment, Motion, Video, Encode }

public static class GenerationStages
{
    /// <summary>The stage as keys, file names, JSON and logs write it: "motion".</summary>
    public static string Name(this GenerationStage stage) => stage.ToString().ToLowerInvariant();
}
