using Ttm.Training.World;

namespace Ttm.Training.Tests;

public sealed class ShapesWorldTests
{
    readonly ShapesWorld world = new();

    [Fact]
    public void Generate_SameSeed_SameCase_OtherSeed_Differs()
    {
        var a = world.Generate(7);
        var b = world.Generate(7);
        var c = world.Generate(8);
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.Equal(a.Caption, b.Caption);
        Assert.NotEqual(a.Pixels, c.Pixels);
    }

    [Fact]
    public void MultiObjectCases_MoveEachObjectDifferently_WithDistinctColours()
    {
        for (long seed = 0; seed < 200; seed++)
        {
            var c = world.Generate(seed, WorldSplit.Multi);
            Assert.InRange(c.Objects.Count, 2, 3);
            Assert.Equal(c.Objects.Count, c.Objects.Select(o => o.Motion).Distinct().Count());
            Assert.Equal(c.Objects.Count, c.Objects.Select(o => o.Colour).Distinct().Count());
        }
    }

    [Fact]
    public void Truth_CentroidsFollowThePromptedMotion()
    {
        for (long seed = 0; seed < 100; seed++)
        {
            var c = world.Generate(seed, WorldSplit.Single);
            var o = c.Objects[0];
            var motion = Vocabulary.Motion(o.Motion);
            float dx = o.Centroids[^1][0] - o.Centroids[0][0], dy = o.Centroids[^1][1] - o.Centroids[0][1];
            if (o.Motion == "still")
                Assert.True(Math.Abs(dx) < 0.5 && Math.Abs(dy) < 0.5, $"seed {seed}: still object moved ({dx}, {dy})");
            else
                Assert.True(dx * motion.Dx + dy * motion.Dy > 4, $"seed {seed}: {o.Motion} object moved ({dx}, {dy})");
        }
    }

    [Fact]
    public void Labels_MatchTheBoxesAndObjectsStayInFrame()
    {
        var c = world.Generate(3, WorldSplit.Multi);
        for (int l = 1; l <= c.Objects.Count; l++)
        {
            var box = c.Objects[l - 1].Boxes[0];
            Assert.True(box[0] >= 0 && box[2] < c.Width && box[1] >= 0 && box[3] < c.Height);
            for (int y = 0; y < c.Height; y++)
            for (int x = 0; x < c.Width; x++)
                if (c.Label(0, y, x) == l) Assert.True(x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3]);
        }
    }

    [Fact]
    public void Caption_UsesTheObjectsWords_AndThePlanUsesCanonicalOnes()
    {
        var c = world.Generate(11, WorldSplit.Multi);
        foreach (var o in c.Objects)
        {
            var colour = Vocabulary.Colours.Single(x => x.Name == o.Colour);
            Assert.Contains(colour.Synonyms, s => c.Caption.Contains(s, StringComparison.OrdinalIgnoreCase));
            Assert.Contains($"{o.Colour} {o.Shape}", c.MotionPrompt);
            Assert.Contains(Vocabulary.Motion(o.Motion).Canonical, o.LocalPrompt);
        }
    }

    [Fact]
    public void CaseFolder_WritesAndReadsBackTheTruth()
    {
        var directory = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var c = world.Generate(5, WorldSplit.Multi);
            CaseFolder.Write(c, directory, withFrames: true);
            var truth = CaseFolder.ReadTruth(directory);
            Assert.Equal(c.Caption, truth.Caption);
            Assert.Equal(c.Objects.Select(o => o.Motion), truth.Objects.Select(o => o.Motion));
            var read = Benchmark.BenchCase.Read(directory);
            Assert.Equal(c.Labels, read.TrueLabels);
            Assert.True(Benchmark.VideoMetrics.Psnr(read.TrueFrames!, c.Pixels) > 45, "PNG frames should round-trip to 8-bit precision");
        }
        finally
        {
            Directory.Delete(directory, true);
        }
    }
}
