using System.Text.RegularExpressions;
using Ttm.Training.Benchmark;
using Ttm.Training.World;

namespace Ttm.Training.Tests;

public sealed class PhrasingTests
{
    static readonly PhrasingLexicon Training = PhrasingLexicon.Training;
    static readonly PhrasingLexicon HeldOut = PhrasingLexicon.HeldOut;

    static IEnumerable<string> Words(PhrasingLexicon l) =>
        l.Verbs.SelectMany(v => new[] { v.Third, v.Ing })
            .Concat(l.Still).Concat(l.Slow).Concat(l.Fast)
            .Concat(l.Colours.Values.SelectMany(x => x)).Concat(l.Shapes.Values.SelectMany(x => x))
            .Concat(l.Directions.Values.SelectMany(x => x));

    static bool Says(string sentence, string phrase) =>
        Regex.IsMatch(sentence, $@"(?<![\w-]){Regex.Escape(phrase)}(?![\w-])", RegexOptions.IgnoreCase);

    [Fact]
    public void TheLexicons_ShareNoPhrase()
    {
        Assert.Empty(Words(Training).Intersect(Words(HeldOut)));
        Assert.Empty(Training.Templates.Intersect(HeldOut.Templates));
        Assert.Empty(Training.Joiners.Intersect(HeldOut.Joiners));
        // Nor do the canonical world words stand in for held-out ones.
        Assert.Empty(Vocabulary.Motions.SelectMany(m => m.Phrases.Append(m.Canonical)).Intersect(Words(HeldOut)));
    }

    [Fact]
    public void TrainingPlans_NeverUseAHeldOutVerbAdverbOrSynonym()
    {
        var world = new ShapesWorld();
        var phrasing = new Phrasing(Training);
        var heldOut = HeldOut.Verbs.SelectMany(v => new[] { v.Third, v.Ing }).Concat(HeldOut.Slow).Concat(HeldOut.Fast).Concat(HeldOut.Still)
            .Concat(HeldOut.Colours.Values.SelectMany(x => x)).Concat(HeldOut.Shapes.Values.SelectMany(x => x)).ToList();
        for (long seed = 0; seed < 300; seed++)
        {
            var c = world.Generate(seed);
            var plan = phrasing.Plan(new Random((int)seed), c.Objects.Select(PhrasedObject.Of).ToList());
            foreach (var sentence in plan.LocalPrompts.Append(plan.MotionPrompt).Append(plan.Caption).Append(c.Caption))
                Assert.DoesNotContain(heldOut, w => Says(sentence, w));
        }
    }

    [Theory]
    [InlineData("training")]
    [InlineData("held-out")]
    public void APlan_SaysEachObjectsColourDirectionAndSpeed(string name)
    {
        var lexicon = name == "training" ? Training : HeldOut;
        var phrasing = new Phrasing(lexicon);
        var world = new ShapesWorld();
        for (long seed = 0; seed < 200; seed++)
        {
            var c = world.Generate(seed, WorldSplit.Multi);
            var plan = phrasing.Plan(new Random((int)seed), c.Objects.Select(PhrasedObject.Of).ToList());
            Assert.Equal(c.Objects.Count, plan.LocalPrompts.Count);
            for (int i = 0; i < c.Objects.Count; i++)
            {
                var o = c.Objects[i];
                string local = plan.LocalPrompts[i];
                Assert.Contains(lexicon.Colours[o.Colour], w => Says(local, w));
                Assert.Contains(lexicon.Shapes[o.Shape], w => Says(local, w));
                if (o.Motion == "still")
                    Assert.Contains(lexicon.Still, w => Says(local, w));
                else
                {
                    Assert.Contains(lexicon.Directions[o.Motion], w => Says(local, w));
                    Assert.Contains(o.Speed == "slow" ? lexicon.Slow : lexicon.Fast, w => Says(local, w));
                    // The other direction never appears.
                    Assert.DoesNotContain(lexicon.Directions.Where(d => d.Key != o.Motion).SelectMany(d => d.Value), w => Says(local, w) && !lexicon.Directions[o.Motion].Any(own => own.Contains(w)));
                }
                Assert.Contains(lexicon.Colours[o.Colour], w => Says(plan.MotionPrompt, w));
            }
        }
    }

    [Fact]
    public void AReworded_Case_KeepsItsTruthAndChangesOnlyItsWords()
    {
        var c = QualityBenchmark.Shapes128(perSplit: 4)[5];
        var reworded = c.Reworded(new Phrasing(HeldOut), new Random(5));
        Assert.NotEqual(c.Truth.MotionPrompt, reworded.Truth.MotionPrompt);
        Assert.NotEqual(c.Truth.Caption, reworded.Truth.Caption);
        Assert.Equal(c.Truth.Objects.Select(o => o.Motion), reworded.Truth.Objects.Select(o => o.Motion));
        Assert.Equal(c.Truth.Objects.Select(o => o.Centroids), reworded.Truth.Objects.Select(o => o.Centroids));
        Assert.Equal(c.FirstFrame, reworded.FirstFrame);
        Assert.All(reworded.Truth.Objects.Zip(c.Truth.Objects), p => Assert.NotEqual(p.Second.LocalPrompt, p.First.LocalPrompt));
    }
}
