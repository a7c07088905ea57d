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
        Assert.StartsWith(RulePromptPlanner.Name, plan.Planner);
    }

    [Fact]
    public void UnreadableMotion_KeepsTheUsersWords()
    {
        var plan = planner.Plan("The red car speeds away while the black car moves slowly to the left.");
        Assert.Equal("The red car speeds away.", plan.Objects[0].LocalPrompt);
        Assert.Null(plan.Objects[0].Motion);
        Assert.Equal("rules (not understood: 'speeds away')", plan.Planner); // said, not passed on as if understood
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

    [Theory]
    [InlineData("The green ball zips over to the right while the purple tile creeps toward the northeast.", "green circle", "right", "fast", "purple square", "up-right", "slow")]
    [InlineData("The red box stays exactly where it is as the blue disc drifts left without hurrying.", "red square", "still", null, "blue circle", "left", "slow")]
    [InlineData("A ruby orb stands its ground; meanwhile the canary pyramid heads skyward in a hurry.", "red circle", "still", null, "yellow triangle", "up", "fast")]
    [InlineData("the teal gem sails to the lower-left corner at a snail's pace and the snow-white brick is frozen in place", "cyan diamond", "down-left", "slow", "white square", "still", null)]
    public void FreePhrasing_ReadsEachObjectsColourMotionAndSpeed(string prompt, string name1, string motion1, string? speed1, string name2, string motion2, string? speed2)
    {
        var plan = planner.Plan(prompt);
        Assert.Equal([name1, name2], plan.Objects.Select(o => o.Name));
        Assert.Equal([motion1, motion2], plan.Objects.Select(o => o.Motion));
        Assert.Equal(RulePromptPlanner.Name, plan.Planner);
        foreach (var (o, speed) in plan.Objects.Zip(new[] { speed1, speed2 }))
            Assert.EndsWith(speed is null ? "stays still." : $"{(speed == "slow" ? "slowly" : "quickly")}.", o.LocalPrompt); // no speed: a still object
    }

    [Theory]
    [InlineData("The red toy ball rolls left.", "red circle")]
    [InlineData("The crimson sports car speeds off to the east.", "red sports")]
    [InlineData("A big shiny blue marble moves down.", "blue circle")]
    public void AnUnknownWord_NeverSplitsOneObjectInTwo(string prompt, string name)
    {
        var plan = planner.Plan(prompt);
        Assert.Equal(name, Assert.Single(plan.Objects).Name);
        Assert.NotNull(plan.Objects[0].Motion);
    }

    [Fact]
    public void OnHeldOutParaphrases_ReadsAlmostEveryObject()
    {
        // The paraphrase suite's sentences (words the models never trained on). The planner's lexicon is general English
        // written beside that suite, so this measures its coverage, not generalisation to strangers' words.
        var world = new ShapesWorld();
        var phrasing = new Phrasing(PhrasingLexicon.HeldOut);
        int objects = 0, right = 0;
        var misses = new List<string>();
        for (long seed = 0; seed < 300; seed++)
        {
            var c = world.Generate(800_000 + seed);
            var caption = phrasing.Plan(new Random((int)seed), c.Objects.Select(PhrasedObject.Of).ToList()).Caption;
            var plan = planner.Plan(caption);
            objects += c.Objects.Count;
            int good = plan.Objects.Count != c.Objects.Count ? 0
                : c.Objects.Zip(plan.Objects).Count(p => p.First.Colour == p.Second.Colour && p.First.Motion == p.Second.Motion);
            right += good;
            if (good < c.Objects.Count && misses.Count < 12)
                misses.Add($"{caption}\n  want {string.Join(" | ", c.Objects.Select(o => $"{o.Colour} {o.Motion}"))}\n  got  {string.Join(" | ", plan.Objects.Select(o => $"{o.Colour} {o.Motion}"))}");
        }
        output.WriteLine($"held-out paraphrases: {right}/{objects} objects with the right colour and motion");
        misses.ForEach(output.WriteLine);
        Assert.True(right >= 0.95 * objects, $"{right}/{objects}");
    }
}
