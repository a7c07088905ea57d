using Ttm.Training.Benchmark;
using Ttm.Training.World;

namespace Ttm.Training.Tests;

public sealed class VideoMetricsTests
{
    [Theory]
    [InlineData(5f, 0f, "right")]
    [InlineData(-5f, 0f, "left")]
    [InlineData(0f, -5f, "up")]
    [InlineData(0f, 5f, "down")]
    [InlineData(4f, -4f, "up-right")]
    [InlineData(-4f, 4f, "down-left")]
    [InlineData(1f, 1f, "still")]
    [InlineData(float.NaN, 0f, "lost")]
    public void DirectionOf_ReadsCompassDirections(float dx, float dy, string expected) =>
        Assert.Equal(expected, VideoMetrics.DirectionOf(dx, dy, 32));

    [Fact]
    public void TrackingTheTrueVideo_GivesEveryObjectItsPromptedDirection()
    {
        var world = new ShapesWorld();
        int right = 0, total = 0;
        for (long seed = 0; seed < 60; seed++)
        {
            var c = world.Generate(seed, WorldSplit.Mixed);
            for (int l = 1; l <= c.Objects.Count; l++)
            {
                var colour = VideoMetrics.ObjectColour(c.Pixels, c.Labels[..(c.Width * c.Height)], l);
                var track = VideoMetrics.TrackByColour(c.Pixels, c.Frames, c.Height, c.Width, colour);
                var read = VideoMetrics.DirectionOf(track.Centroids[^1][0] - track.Centroids[0][0], track.Centroids[^1][1] - track.Centroids[0][1], c.Width);
                if (read == c.Objects[l - 1].Motion) right++;
                total++;
            }
        }
        // Occlusion can hide an object at the end; the metric must still be near perfect on the truth.
        Assert.True(right >= 0.95 * total, $"{right}/{total} true videos read correctly");
    }

    [Fact]
    public void AFrozenVideo_ReadsAsStill_ForEveryObject()
    {
        var c = new ShapesWorld().Generate(4, WorldSplit.Multi);
        var frozen = new float[c.Pixels.Length];
        int frame = c.Width * c.Height * 3;
        for (int t = 0; t < c.Frames; t++) Array.Copy(c.Pixels, 0, frozen, t * frame, frame);
        for (int l = 1; l <= c.Objects.Count; l++)
        {
            var track = VideoMetrics.TrackByColour(frozen, c.Frames, c.Height, c.Width, VideoMetrics.ObjectColour(c.Pixels, c.Labels, l));
            Assert.Equal("still", VideoMetrics.DirectionOf(track.Centroids[^1][0] - track.Centroids[0][0], track.Centroids[^1][1] - track.Centroids[0][1], c.Width));
            Assert.Equal(1.0, VideoMetrics.AppearanceConsistency(track), 6);
        }
    }

    [Fact]
    public void PsnrAndSsim_AreBestForIdenticalVideos()
    {
        var c = new ShapesWorld().Generate(2);
        var noisy = c.Pixels.Select((v, i) => Math.Clamp(v + ((i * 7919) % 13 - 6) / 60f, 0f, 1f)).ToArray();
        Assert.Equal(100.0, VideoMetrics.Psnr(c.Pixels, c.Pixels));
        Assert.Equal(1.0, VideoMetrics.Ssim(c.Pixels, c.Pixels, c.Frames, c.Height, c.Width), 6);
        Assert.InRange(VideoMetrics.Psnr(c.Pixels, noisy), 15, 35);
        Assert.True(VideoMetrics.Ssim(c.Pixels, noisy, c.Frames, c.Height, c.Width) < 0.9);
    }

    [Fact]
    public void MaskIou_IsOneForTheTruth_AndDropsForAShiftedMask()
    {
        var c = new ShapesWorld().Generate(9, WorldSplit.Multi);
        Assert.Equal(1.0, VideoMetrics.MaskIou(c.Labels, c.Labels, c.Frames, c.Objects.Count));
        var shifted = new int[c.Labels.Length];
        for (int i = 3; i < c.Labels.Length; i++) shifted[i] = c.Labels[i - 3];
        Assert.True(VideoMetrics.MaskIou(shifted, c.Labels, c.Frames, c.Objects.Count) < 0.8);
    }
}
