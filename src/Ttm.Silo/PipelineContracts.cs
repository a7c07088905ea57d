using Ttm.Grains;
using Ttm.Pipeline;
using Ttm.Pipeline.Planning;
using Ttm.Pipeline.Segmentation;

namespace Ttm.Silo;

/// <summary>The pipeline's plan, objects and stages as the grains' serializable contracts, and back.</summary>
public static class PipelineContracts
{
    public static GenerationPlan ToContract(this PromptPlan plan) =>
        new(plan.Prompt, plan.MotionPrompt, plan.Objects.Select(o => new PlannedObject(o.Name, o.LocalPrompt, o.Colour, o.Noun, o.Motion)).ToList(), plan.Planner);

    public static PromptPlan ToPipeline(this GenerationPlan plan) =>
        new(plan.Prompt, plan.MotionPrompt, plan.Objects.Select(o => new ObjectPrompt(o.Name, o.LocalPrompt, o.Colour, o.Noun, o.Motion)).ToList(), plan.Planner);

    public static SegmentedObject ToContract(this ObjectSummary o) => new(o.Name, o.Method, o.Detail, o.Area);

    public static ObjectSummary ToPipeline(this SegmentedObject o) => new(o.Name, o.Method, o.Detail, o.Area);

    /// <summary>The two enums share their members' names (<c>PipelineContractsTests</c> holds them equal).</summary>
    public static GenerationStage ToContract(this PipelineStage stage) => Enum.Parse<GenerationStage>(stage.ToString());

    public static IReadOnlyDictionary<GenerationStage, double> ToContract(this IReadOnlyDictionary<PipelineStage, double> seconds) =>
        seconds.ToDictionary(kv => kv.Key.ToContract(), kv => kv.Value);

    public static Dictionary<PipelineStage, double> ToPipeline(this IReadOnlyDictionary<GenerationStage, double> seconds) =>
        seconds.ToDictionary(kv => Enum.Parse<PipelineStage>(kv.Key.ToString()), kv => kv.Value);
}
