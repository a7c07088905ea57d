namespace Ttm.Pipeline;

/// <summary>The stages of one generation, in order.</summary>
public enum PipelineStage { Plan, Segment, Motion, Video, Encode }

public static class PipelineStages
{
    /// <summary>The stage as keys, file names, JSON and logs write it: "motion".</summary>
    public static string Name(this PipelineStage stage) => stage.ToString().ToLowerInvariant();
}
