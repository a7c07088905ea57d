using Ttm.Training.Benchmark;

namespace Ttm.Training.Tests;

public sealed class TextProbeTests
{
    [Fact]
    public void AProbeFittedOnTrainingWords_ReadsTheWorldsWords_AndScoresEveryHeldOutLabel()
    {
        var report = TextProbe.Run(MiniLm.Encoder, "all-MiniLM-L6-v2", trainingClauses: 320, testClauses: 180, epochs: 200, seed: 3,
            ["attention", "nearest"], TextWriter.Null);

        ProbeScore Score(string reading, string tested) => report.Scores.Single(s => s.Reading == reading && s.Tested.StartsWith(tested));
        // The labels travel with their clauses: a probe that fits its own clauses and reads the world's words right.
        Assert.True(Score("attention", "training").MotionAccuracy >= 0.85, $"fit {Score("attention", "training").MotionAccuracy}");
        Assert.True(Score("attention", "world").MotionAccuracy >= 0.85, $"world's words {Score("attention", "world").MotionAccuracy}");
        Assert.True(Score("attention", "world").ColourAccuracy >= 0.85, $"world's colours {Score("attention", "world").ColourAccuracy}");
        // "nearest" fits nothing: it reads the two test sets only.
        Assert.Equal(2, report.Scores.Count(s => s.Reading == "nearest"));
        Assert.DoesNotContain(report.Scores, s => s.Reading == "nearest" && s.Tested.StartsWith("training"));

        var heldOut = Score("attention", "held-out");
        Assert.Equal(180, heldOut.Clauses);
        Assert.Equal(9, heldOut.PerMotion!.Count);
        Assert.Equal(180, heldOut.PerMotion.Sum(l => l.Clauses));
        double weighted = heldOut.PerMotion.Sum(l => l.Accuracy * l.Clauses) / 180;
        Assert.Equal(heldOut.MotionAccuracy, weighted, 2);
        Assert.All(heldOut.PerMotion.SelectMany(l => l.Wrong), w => Assert.Contains(" → ", w));
    }

    [Fact]
    public void AnUnknownReading_IsRefusedByName()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            TextProbe.Run(MiniLm.Encoder, "all-MiniLM-L6-v2", 10, 10, 1, 1, ["pooled", "telepathy"], TextWriter.Null));
        Assert.Contains("telepathy", error.Message);
    }
}
