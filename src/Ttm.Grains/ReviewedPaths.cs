namespace Ttm.Grains;

/// <summary>
/// Checks the edited paths a Continue carries against the generation under review, before anything is stored: each names
/// an object of its plan, and holds 2..<see cref="GenerationLimits.MaxPathPoints"/> points (t, x, y, scale) with finite
/// values, times from 0 to 1 in order, positions inside the uploaded image and scales within the path limits.
/// </summary>
public static class ReviewedPaths
{
    /// <param name="paths">per plan object (its index), the edited path's points flattened as t, x, y, scale, or null</param>
    /// <exception cref="ArgumentException">the first problem, in words a person can act on</exception>
    public static void Check(IReadOnlyList<IReadOnlyList<float>?> paths, AwaitingReview review)
    {
        for (int i = 0; i < paths.Count; i++)
        {
            if (paths[i] is not { } path) continue;
            if (i >= review.Objects.Count)
                throw new ArgumentException($"paths name object {i}, but the plan has {review.Objects.Count} objects "
                    + $"({string.Join(", ", review.Objects.Select((o, k) => $"{k}: {o}"))}).");
            string where = $"the path of object {i} ({review.Objects[i]})";
            if (path.Count % 4 != 0 || path.Count / 4 is < 2 or > GenerationLimits.MaxPathPoints)
                throw new ArgumentException($"{where} has {path.Count / 4} points; a path needs 2..{GenerationLimits.MaxPathPoints}.");
            for (int j = 0; j < path.Count / 4; j++)
            {
                float t = path[4 * j], x = path[4 * j + 1], y = path[4 * j + 2], scale = path[4 * j + 3];
                if (!float.IsFinite(t) || t < 0 || t > 1 || (j > 0 && !(t > path[4 * (j - 1)])))
                    throw new ArgumentException($"{where}: point {j} has t = {t}; times run from 0 to 1, each later than the one before.");
                if (!float.IsFinite(x) || !float.IsFinite(y) || x < 0 || y < 0 || x > review.ImageWidth || y > review.ImageHeight)
                    throw new ArgumentException($"{where}: point {j} ({x}, {y}) lies outside the image ({review.ImageWidth}×{review.ImageHeight}).");
                if (!float.IsFinite(scale) || scale < GenerationLimits.MinPathScale || scale > GenerationLimits.MaxPathScale)
                    throw new ArgumentException($"{where}: point {j} has scale {scale}, outside {GenerationLimits.MinPathScale}..{GenerationLimits.MaxPathScale}.");
            }
        }
    }
}
