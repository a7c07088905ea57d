namespace Ttm.Grains;

/// <summary>
/// The stages of one generation, in order, with one spelling everywhere: events, failures, seconds, logs,
/// file names. The pipeline's own <c>PipelineStage</c> has the same members (a test holds them equal).
/// </summary>
public enum GenerationStage { Plan, Segment, Motion, Video, Encode }

public static class GenerationStages
{
    /// <summary>The stage as keys, file names, JSON and logs write it: "motion".</summary>
    public static string Name(this GenerationStage stage) => stage.ToString().ToLowerInvariant();
}
