using Ttm.Pipeline.Images;
using Ttm.Pipeline.Planning;
using Ttm.Pipeline.Segmentation;
using Ttm.Training.World;
using Xunit.Abstractions;

namespace Ttm.Pipeline.Tests;

[Collection(PipelineCollection.Name)]
public sealed class GroundingTests(PipelineFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void WorldCaptions_GroundEachPlannedObjectToItsOwnMask()
    {
        var planner = new RulePromptPlanner();
        var grounding = new Grounding(fixture.Models.Segmenter);
        var ious = new List<double>();
        for (long seed = 0; seed < 4; seed++)
        {
            var c = new ShapesWorld(8, 128, 128).Generate(700 + seed, WorldSplit.Multi);
            var image = new RgbImage(c.Width, c.Height, c.Pixels[..(c.Width * c.Height * 3)].Select(v => (byte)Math.Round(v * 255)).ToArray());
            var plan = planner.Plan(c.Caption);
            var grounded = grounding.Ground(image, fixture.Models.Segmenter.Embed(image), plan.Objects);
            for (int l = 1; l <= c.Objects.Count; l++)
            {
                var truth = new Mask(c.Width, c.Height, Enumerable.Range(0, c.Width * c.Height).Select(i => c.Labels[i] == l).ToArray(), 1);
                if (truth.Area < 30) continue; // hidden behind another object
                double iou = grounded[l - 1].Mask?.Iou(truth) ?? 0;
                output.WriteLine($"{c.Objects[l - 1].Name}: {grounded[l - 1].Method}, IoU {iou:F3}");
                ious.Add(iou);
            }
        }
        Assert.True(ious.Min() >= 0.8, $"worst grounded IoU {ious.Min():F3}, mean {ious.Average():F3}");
    }

    [Fact]
    public void AnObjectWithoutColourWords_TakesAnAutomaticMask()
    {
        var c = new ShapesWorld(8, 128, 128).Generate(720, WorldSplit.Single);
        var image = new RgbImage(c.Width, c.Height, c.Pixels[..(c.Width * c.Height * 3)].Select(v => (byte)Math.Round(v * 255)).ToArray());
        var grounded = new Grounding(fixture.Models.Segmenter).Ground(image, fixture.Models.Segmenter.Embed(image), [new ObjectPrompt("thing", "The thing moves.")]);
        Assert.Equal("automatic", grounded[0].Method);
        Assert.True(grounded[0].Mask is { Area: > 0 });
    }
}
