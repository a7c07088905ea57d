using Ttm.Contracts;
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

    [Theory]
    [InlineData("coffee.png", "cup")]
    [InlineData("astronaut.png", "person")]
    public void OnAPhotograph_ANamelessObjectTakesTheSubjectAtTheCentre_NotTheBackground_InAFewDecodes(string photo, string noun)
    {
        var segmenter = fixture.Models.Segmenter;
        var upload = ImageInput.Decode(File.ReadAllBytes(Path.Combine(Repository.Root, "artifacts", "photos", photo)));
        var (x, y, w, h) = ImageInput.CropBox(upload.Width, upload.Height, 32, 32); // as DeviceStages crops for the model
        var image = ImageInput.Crop(upload, x, y, w, h);
        var embedding = segmenter.Embed(image);

        long before = segmenter.Decodes;
        var whole = segmenter.SegmentEverything(embedding, everyPoint: true); // every grid point, found from the centre out
        long wholeDecodes = segmenter.Decodes - before;
        var reference = whole[0];

        before = segmenter.Decodes;
        var grounded = new Grounding(segmenter).Ground(image, embedding, [new ObjectPrompt(noun, $"The {noun} moves left.")]);
        long decodes = segmenter.Decodes - before;

        var mask = grounded[0].Mask!;
        double iou = mask.Iou(reference);
        output.WriteLine($"{photo}: {wholeDecodes} decodes for the whole grid ({whole.Count} masks), {decodes} now; IoU {iou:F3}, outline {mask.OutlineShare:F2}, area {mask.Area / (double)(w * h):F2}");
        Assert.Equal("automatic", grounded[0].Method);
        Assert.True(mask.Contains(w / 2f, h / 2f), "the subject at the centre of the photograph");
        Assert.False(mask.IsBackground, $"outline share {mask.OutlineShare:F2}");
        Assert.True(iou >= 0.95, $"IoU {iou:F3} with the whole grid's mask nearest the centre");
        Assert.True(decodes <= 4, $"{decodes} decodes against {wholeDecodes} for the whole grid");
    }

    [Fact]
    public void TheCoffeeTable_IsBackground_AndItsPointsAreSkipped()
    {
        var segmenter = fixture.Models.Segmenter;
        var upload = ImageInput.Decode(File.ReadAllBytes(Path.Combine(Repository.Root, "artifacts", "photos", "coffee.png")));
        var (x, y, w, h) = ImageInput.CropBox(upload.Width, upload.Height, 32, 32);
        var image = ImageInput.Crop(upload, x, y, w, h);
        var embedding = segmenter.Embed(image);
        var table = segmenter.Segment(embedding, ObjectHint.At(w * 0.9f, h * 0.9f)); // the wooden table in the bottom-right corner
        Assert.True(table.IsBackground, $"outline share {table.OutlineShare:F2}");

        long before = segmenter.Decodes;
        var everything = segmenter.SegmentEverything(embedding);
        long skipping = segmenter.Decodes - before;
        before = segmenter.Decodes;
        segmenter.SegmentEverything(embedding, everyPoint: true);
        long every = segmenter.Decodes - before;
        Assert.DoesNotContain(everything, m => m.Iou(table) > 0.5);
        // Measured: 91 against 141 (points on the table are skipped once it is known; points inside the cup are not).
        Assert.True(skipping * 3 <= every * 2, $"{skipping} decodes against {every} for every point");
    }
}
