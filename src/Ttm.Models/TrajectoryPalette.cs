using TorchSharp;
using static TorchSharp.torch;

namespace Ttm.Models;

/// <summary>
/// The colour code of a mask-based motion trajectory (paper §3): black background, object l painted in
/// palette colour l in every frame. Colours sit at the corners of the RGB cube in [-1, 1] so that the
/// nearest-colour reading of a generated trajectory has the widest margin. Identity is read back per pixel
/// as the nearest palette colour (background included); pixels farther than <see cref="MaxReadDistance"/>
/// from every colour count as background.
/// </summary>
public static class TrajectoryPalette
{
    /// <summary>RGB in [-1, 1]; index 0 is the background.</summary>
    public static readonly float[][] Colours =
    [
        [-1f, -1f, -1f], // background: black
        [1f, -1f, -1f],  // object 1: red
        [-1f, 1f, -1f],  // object 2: green
        [-1f, -1f, 1f],  // object 3: blue
        [1f, 1f, -1f],   // object 4: yellow
        [1f, -1f, 1f],   // object 5: magenta
        [-1f, 1f, 1f],   // object 6: cyan
    ];

    public static int MaxColours => Colours.Length - 1;

    /// <summary>Euclidean RGB distance in [-1, 1] units beyond which a pixel is not read as any colour.</summary>
    public const float MaxReadDistance = 1.2f;

    /// <summary>Paints label maps (…, H, W) of ids 0..L as trajectory RGB (…, 3, H, W)… channel-first per frame.</summary>
    /// <param name="labels">(B, T, H, W) int64 ids</param>
    /// <returns>(B, 3, T, H, W) float in [-1, 1]</returns>
    public static Tensor Paint(Tensor labels)
    {
        using var scope = NewDisposeScope();
        using var palette = tensor(Colours.SelectMany(c => c).ToArray(), [Colours.Length, 3], device: labels.device); // (P, 3)
        var rgb = palette.index(labels.clamp(0, Colours.Length - 1)); // (B, T, H, W, 3)
        return rgb.permute(0, 4, 1, 2, 3).contiguous().MoveToOuterDisposeScope(); // (B, 3, T, H, W)
    }

    /// <summary>Reads object ids back from a (generated) trajectory by nearest palette colour.</summary>
    /// <param name="trajectory">(B, 3, T, H, W) float</param>
    /// <param name="objects">number of objects L; colours above L are not read</param>
    /// <returns>(B, T, H, W) int64 ids in 0..L</returns>
    public static Tensor Read(Tensor trajectory, int objects)
    {
        using var scope = NewDisposeScope();
        using var palette = tensor(Colours.Take(objects + 1).SelectMany(c => c).ToArray(), [objects + 1, 3], device: trajectory.device);
        var pixels = trajectory.permute(0, 2, 3, 4, 1).unsqueeze(-2); // (B, T, H, W, 1, 3)
        var distance = (pixels - palette).square().sum(-1).sqrt(); // (B, T, H, W, L+1)
        var (nearest, index) = distance.min(-1); // (B, T, H, W)
        var ids = where(nearest > MaxReadDistance, zeros_like(index), index);
        return ids.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pools a pixel label map to patch tokens: a token belongs to the object that covers most of its patch,
    /// background only when no object pixel lies in it (small objects keep a token).
    /// </summary>
    /// <param name="labels">(B, T, H, W) int64 ids 0..L</param>
    /// <returns>(B, T·(H/p)·(W/p)) int64 ids</returns>
    public static Tensor PoolToTokens(Tensor labels, int objects, int patch)
    {
        using var scope = NewDisposeScope();
        var counts = nn.functional.one_hot(labels, objects + 1).to(ScalarType.Float32); // (B, T, H, W, L+1)
        var (b, t, h, w) = (labels.shape[0], labels.shape[1], labels.shape[2], labels.shape[3]);
        counts = counts.permute(0, 1, 4, 2, 3).reshape(b * t, objects + 1, h, w); // (B·T, L+1, H, W)
        counts = nn.functional.avg_pool2d(counts, patch, patch); // (B·T, L+1, H/p, W/p)
        counts = counts.reshape(b, t, objects + 1, h / patch, w / patch).permute(0, 1, 3, 4, 2); // (B, T, h, w, L+1)
        var objectCounts = counts.narrow(-1, 1, objects); // (B, T, h, w, L)
        var present = objectCounts.sum(-1) > 0; // (B, T, h, w)
        var ids = where(present, objectCounts.argmax(-1) + 1, zeros(present.shape, ScalarType.Int64, labels.device));
        return ids.reshape(b, -1).MoveToOuterDisposeScope(); // (B, N)
    }

    /// <summary>
    /// Per-frame bounding boxes of each object, pooled to tokens: token (t, y, x) is inside object l's box when
    /// its patch overlaps the box of l in frame t (paper Eq. 1-2, M(l)).
    /// </summary>
    /// <param name="labels">(B, T, H, W) int64 ids 0..L</param>
    /// <returns>(B, N, L) bool</returns>
    public static Tensor BoxTokens(Tensor labels, int objects, int patch)
    {
        using var scope = NewDisposeScope();
        var (b, t, h, w) = (labels.shape[0], labels.shape[1], labels.shape[2], labels.shape[3]);
        var masks = new List<Tensor>();
        for (int l = 1; l <= objects; l++)
        {
            var mask = labels.eq(l); // (B, T, H, W)
            var rows = mask.any(3); // (B, T, H)
            var cols = mask.any(2); // (B, T, W)
            // Fill between first and last covered row/column: cummax from both ends.
            var rowsFilled = rows.to(ScalarType.Int32).cummax(2).values.logical_and(rows.flip(2).to(ScalarType.Int32).cummax(2).values.flip(2));
            var colsFilled = cols.to(ScalarType.Int32).cummax(2).values.logical_and(cols.flip(2).to(ScalarType.Int32).cummax(2).values.flip(2));
            var box = rowsFilled.unsqueeze(3).logical_and(colsFilled.unsqueeze(2)); // (B, T, H, W)
            var pooled = nn.functional.max_pool2d(box.to(ScalarType.Float32).reshape(b * t, 1, h, w), patch, patch); // (B·T, 1, h, w)
            masks.Add(pooled.reshape(b, -1) > 0); // (B, N)
        }
        return stack(masks, -1).MoveToOuterDisposeScope(); // (B, N, L)
    }
}
