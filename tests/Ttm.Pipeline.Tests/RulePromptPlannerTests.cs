using Ttm.Pipeline.Planning;
using Ttm.Training.World;
using Xunit.Abstractions;

namespace Ttm.Pipeline.Tests;

public sealed class RulePromptPlannerTests(ITestOutputHelper output)
{
    readonly RulePromptPlanner planner = new();

    [Fact]
    public void OnFiveHundredWorldCaptions_RecoversTheTruthPlan()
    {
        var world = new ShapesWorld();
        int exact = 0;
        var misses = new List<string>();
        for (long seed = 0; seed < 500; seed++)
        {
            var c = world.Generate(900_000 + seed);
            var plan = planner.Plan(c.Caption);
            bool same = plan.MotionPrompt == c.MotionPrompt
                && plan.Objects.Select(o => o.LocalPrompt).SequenceEqual(c.Objects.Select(o => o.LocalPrompt))
                && plan.Objects.Select(o => o.Name).SequenceEqual(c.Objects.Select(o => o.Name));
            if (same) exact++;
            else if (misses.Count < 5) misses.Add($"{c.Caption}\n  got  {plan.MotionPrompt} | {string.Join(" | ", plan.Objects.Select(o => o.LocalPrompt))}\n  want {c.MotionPrompt} | {string.Join(" | ", c.Objects.Select(o => o.LocalPrompt))}");
        }
        output.WriteLine($"rule planner exact-plan accuracy on 500 world captions: {exact / 500.0:F3}");
        misses.ForEach(output.WriteLine);
        Assert.True(exact >= 490, $"{exact}/500 exact plans; first misses:\n{string.Join("\n", misses)}");
    }

    [Theory]
    [InlineData("The red car speeds away while the black car moves slowly to the left.", "red car", "black car")]
    [InlineData("A small green ball rolls right and a big blue box falls quickly", "green circle", "blue square")]
    public void OrdinaryEnglish_FindsEachObject(string prompt, string first, string second)
    {
        var plan = planner.Plan(prompt);
        Assert.Equal([first, second], plan.Objects.Select(o => o.Name));
        Assert.Equal(RulePromptPlanner.Name, plan.Planner);
    }

    [Fact]
    public void UnreadableMotion_KeepsTheUsersWords()
    {
        var plan = planner.Plan("The red car speeds away while the black car moves slowly to the left.");
        Assert.Equal("The red car speeds away.", plan.Objects[0].LocalPrompt);
        Assert.Null(plan.Objects[0].Motion);
        Assert.Equal("The black car moves left slowly.", plan.Objects[1].LocalPrompt);
        Assert.Equal("left", plan.Objects[1].Motion);
    }

    [Theory]
    [InlineData("Quickly, the blue square rises as the red circle stays in place.", "up", "still")]
    [InlineData("the white diamond heads diagonally down-right while quickly, the pink cross drifts left", "down-right", "left")]
    [InlineData("The orange triangle doesn't move and the cyan disc drifts toward the top left.", "still", "up-left")]
    public void Motions_ReadAsCompassLabels(string prompt, string first, string second)
    {
        var plan = planner.Plan(prompt);
        Assert.Equal([first, second], plan.Objects.Select(o => o.Motion));
    }

    [Fact]
    public void LeadingAdverbAfterAJoiner_GoesToTheNextObject()
    {
        var plan = planner.Plan("The blue square moves up while quickly, the red ball falls.");
        Assert.Equal("The blue square moves up.", plan.Objects[0].LocalPrompt);
        Assert.Equal("The red circle moves down quickly.", plan.Objects[1].LocalPrompt);
    }
}
