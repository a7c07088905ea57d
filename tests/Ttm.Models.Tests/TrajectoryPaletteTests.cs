using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class TrajectoryPaletteTests
{
    [Fact]
    public void ReadOfPaint_RecoversTheLabels_EvenWithNoise()
    {
        using var labels = TestWorld.MovingSquares(3);
        using var painted = TrajectoryPalette.Paint(labels);
        using var g = new Generator(1);
        using var noisy = painted + randn(painted.shape, generator: g) * 0.2f;
        using var read = TrajectoryPalette.Read(noisy, 3);
        Assert.True(read.eq(labels).all().item<bool>());
    }

    [Fact]
    public void Read_IgnoresColoursOfObjectsBeyondTheCount()
    {
        using var labels = TestWorld.MovingSquares(3);
        using var painted = TrajectoryPalette.Paint(labels);
        using var read = TrajectoryPalette.Read(painted, 2); // object 3 (blue) is not asked for
        Assert.Equal(0, read.eq(3).sum().item<long>());
        Assert.True(read.eq(labels.clamp_max(2).masked_fill(labels.eq(3), 0)).all().item<bool>());
    }

    [Fact]
    public void PoolToTokens_GivesEachPatchItsMajorityObject_BackgroundOnlyWhenEmpty()
    {
        var data = new long[1 * 1 * 8 * 8];
        data[0] = 1;                                   // one pixel of object 1 in patch (0,0)
        for (int y = 4; y < 8; y++) for (int x = 4; x < 8; x++) data[y * 8 + x] = y < 5 ? 1 : 2; // patch (1,1): 4 px of 1, 12 px of 2
        using var labels = tensor(data, [1, 1, 8, 8]);
        using var tokens = TrajectoryPalette.PoolToTokens(labels, 2, 4);
        Assert.Equal(new long[] { 1, 0, 0, 2 }, tokens.data<long>().ToArray());
    }

    [Fact]
    public void BoxTokens_MarkPatchesOverlappingTheBoxInThatFrame()
    {
        var data = new long[2 * 8 * 8];
        data[0 * 64 + 1 * 8 + 1] = 1;  // frame 0: object 1 single pixel at (1,1): box in patch (0,0)
        data[1 * 64 + 2 * 8 + 3] = 1;  // frame 1: object 1 spans (2,3)..(6,5): patches (0,0),(1,0),(0,1),(1,1)
        data[1 * 64 + 6 * 8 + 5] = 1;
        using var labels = tensor(data, [1, 2, 8, 8]);
        using var boxes = TrajectoryPalette.BoxTokens(labels, 1, 4); // (1, 8, 1)
        Assert.Equal(new[] { true, false, false, false, true, true, true, true }, boxes.data<bool>().ToArray());
    }
}
