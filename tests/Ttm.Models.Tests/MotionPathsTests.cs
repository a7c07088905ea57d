using Ttm.Models.Generation;
using static TorchSharp.torch;

namespace Ttm.Models.Tests;

/// <summary>Trajectories drawn from the user's paths: moved and scaled first-frame masks, alone or over stage 1's trajectory.</summary>
public sealed class MotionPathsTests
{
    const int Size = 32, Frames = 8;

    /// <summary>A first frame with object 1 a 4×4 square at (8..11, 8..11) and object 2 one at (20..23, 20..23).</summary>
    static int[] TwoSquares()
    {
        var labels = new int[Size * Size];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                (labels[(8 + y) * Size + 8 + x], labels[(20 + y) * Size + 20 + x]) = (1, 2);
        return labels;
    }

    /// <summary>Per frame, object <paramref name="id"/>'s pixel count and centroid in a drawn trajectory.</summary>
    static (int Area, double X, double Y)[] Track(Tensor trajectory, int id)
    {
        using var ids = TrajectoryPalette.Read(trajectory, 2); // (1, T, H, W)
        var values = ids.data<long>().ToArray();
        return Enumerable.Range(0, Frames).Select(f =>
        {
            var pixels = Enumerable.Range(0, Size * Size).Where(p => values[f * Size * Size + p] == id).ToList();
            return pixels.Count == 0 ? (0, double.NaN, double.NaN) : (pixels.Count, pixels.Average(p => p % Size), pixels.Average(p => p / Size));
        }).ToArray();
    }

    [Fact]
    public void EveryObjectWithAPath_MovesAlongIt_FromItsFirstFrame_AndScales()
    {
        var paths = new MotionPaths(TwoSquares(), Size, Size,
        [
            new MotionPath([new PathPoint(0f, 9f, 9f), new PathPoint(1f, 23f, 9f)]), // 14 px right over the clip
            new MotionPath([new PathPoint(0f, 21f, 21f), new PathPoint(0.5f, 21f, 21f, 2f), new PathPoint(1f, 21f, 21f, 2f)]), // grows, stays
        ]);
        Assert.True(paths.CoversEveryObject);
        using var trajectory = paths.Draw(null, Frames);
        Assert.Equal(new long[] { 1, 3, Frames, Size, Size }, trajectory.shape);

        var red = Track(trajectory, 1);
        Assert.Equal((16, 9.5, 9.5), red[0]); // the first frame is s(0)
        Assert.Equal(9.5 + 14, red[^1].X, 0.01);
        Assert.Equal(9.5, red[^1].Y, 0.01);
        Assert.All(red.Zip(red.Skip(1)), pair => Assert.True(pair.Second.X > pair.First.X)); // right at every frame
        var green = Track(trajectory, 2);
        Assert.Equal(16, green[0].Area);
        Assert.Equal(64, green[^1].Area); // twice as wide and as tall
        Assert.Equal(21.5, green[^1].X, 0.6);
    }

    [Fact]
    public void ObjectsWithoutAPath_ComeFromStageOne_AndThePathedOnesAreRedrawnOverIt()
    {
        var labels = TwoSquares();
        // Stage 1's trajectory: object 1 drifts down 1 px a frame, object 2 where it started.
        var generated = new long[Frames * Size * Size];
        for (int f = 0; f < Frames; f++)
            for (int p = 0; p < Size * Size; p++)
            {
                int x = p % Size, y = p / Size;
                if (y - f >= 0 && labels[(y - f) * Size + x] == 1) generated[f * Size * Size + p] = 1;
                if (labels[p] == 2) generated[f * Size * Size + p] = 2;
            }
        using var stageOne = TrajectoryPalette.Paint(tensor(generated, [1, Frames, Size, Size]));
        var paths = new MotionPaths(labels, Size, Size, [null, new MotionPath([new PathPoint(0f, 21f, 21f), new PathPoint(1f, 21f, 7f)])]);
        Assert.False(paths.CoversEveryObject);
        using var trajectory = paths.Draw(stageOne, Frames);

        var red = Track(trajectory, 1);
        Assert.Equal(9.5 + 7, red[^1].Y, 0.01); // stage 1's motion, untouched
        var green = Track(trajectory, 2);
        Assert.Equal(21.5 - 14, green[^1].Y, 0.01); // up along its path, not where stage 1 left it
        Assert.All(green, g => Assert.Equal(16, g.Area));
    }

    [Fact]
    public void APath_HoldsItsEndsOutsideItsTimes_AndInterpolatesBetween()
    {
        var path = new MotionPath([new PathPoint(0.25f, 10f, 0f), new PathPoint(0.75f, 20f, 10f, 3f)]);
        Assert.Equal((0f, 0f, 1f), path.At(0f));
        Assert.Equal((5f, 5f, 2f), path.At(0.5f));
        Assert.Equal((10f, 10f, 3f), path.At(1f));
    }
}
