using Ttm.Benchmarks;
using Ttm.Pipeline;
using Ttm.Pipeline.Devices;
using Ttm.Pipeline.Planning;
using Ttm.Training.Benchmark;
using Ttm.Training.World;

namespace Ttm.Training.Tests;

public sealed class EndToEndBenchmarkTests
{
    [Fact]
    public async Task FromImageAndSentence_PlansSegmentsGenerates_AndScoresByColour_CountingRefusals()
    {
        var suite = QualityBenchmark.Shapes128(perSplit: 1, size: 128);
        var reworded = suite.Select((c, i) => c.Reworded(new Phrasing(PhrasingLexicon.HeldOut), new Random(i))).ToList();
        // A sentence naming four objects: the tiny models animate at most three, so the pipeline refuses it.
        var crowded = reworded[0] with { Truth = reworded[0].Truth with { Caption = "The red ball, the blue box, the green gem and the pink cross move left." } };
        using var worker = new DeviceWorker("cpu:0");
        using var models = PipelineModels.Load(ModelFiles.In(ModelFiles.DefaultModels, ModelFiles.DefaultSegmenter), MiniLm.Encoder,
            new RulePromptPlanner(new SimilarityResolver(MiniLm.Encoder)), worker);
        var (cases, _) = await new EndToEndBenchmark(models, steps: 2).RunAsync([.. reworded, crowded], null, CancellationToken.None);

        Assert.All(cases.Take(2), c => Assert.Null(c.Refused));
        Assert.All(cases.Take(2), c => Assert.All(c.PlanCorrect, Assert.True)); // the planner read every held-out sentence right
        Assert.Equal(reworded[1].Truth.Objects.Count, cases[1].DirectionCorrect.Length);
        Assert.Contains("at most 3", cases[2].Refused);
        Assert.All(cases[2].DirectionCorrect, Assert.False);

        var report = EndToEndBenchmark.Report("test", cases, 1);
        var single = (Dictionary<string, double>)report["single"];
        Assert.Equal(0.5, single["plan_accuracy"], 3); // two single-object cases: one read right, one refused (counts as wrong)
        Assert.Equal(2, single["cases"]);
        Assert.Equal(1, single["refused"] + ((Dictionary<string, double>)report["multi"])["refused"]);
    }
}
