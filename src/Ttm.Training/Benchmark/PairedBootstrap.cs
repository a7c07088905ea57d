using System.Text.Json.Serialization;

namespace Ttm.Training.Benchmark;

/// <summary>One metric's difference between two variants scored on the same cases, with its 95 % interval.</summary>
public sealed record VariantDifference(
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("versus")] string Versus,
    [property: JsonPropertyName("split")] string Split,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("difference")] double Difference,
    [property: JsonPropertyName("ci95_low")] double Low,
    [property: JsonPropertyName("ci95_high")] double High)
{
    /// <summary>The interval leaves out zero: the cases say which variant is better, beyond the case-to-case noise.</summary>
    [JsonPropertyName("clear")]
    public bool Clear => Low > 0 || High < 0;
}

/// <summary>
/// A paired bootstrap over cases: two variants ran the same cases (the same first frames, plans, seeds and stage-1
/// trajectories), so the cases are resampled together and the metric's difference recomputed on each resample; the
/// 2.5th and 97.5th percentiles bound it. This is the noise of which cases were drawn, not of the training seed.
/// </summary>
public static class PairedBootstrap
{
    public static readonly string[] Metrics = ["direction_accuracy", "endpoint_error_px", "video_psnr", "video_ssim", "appearance_consistency"];

    public static VariantDifference Compare(string variant, IReadOnlyList<ScoredCase> cases, string versus, IReadOnlyList<ScoredCase> baseline,
        string split, string metric, int resamples = 2000, int seed = 1)
    {
        if (cases.Count != baseline.Count || cases.Count == 0)
            throw new ArgumentException($"{variant} and {versus} must be scored on the same, non-empty cases ({cases.Count} vs {baseline.Count}).");
        double Metric(IReadOnlyList<ScoredCase> split) => QualityBenchmark.Aggregate(split, 0).GetValueOrDefault(metric, double.NaN);
        var random = new Random(seed);
        var differences = new double[resamples];
        var drawnA = new ScoredCase[cases.Count];
        var drawnB = new ScoredCase[cases.Count];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < cases.Count; i++)
            {
                int pick = random.Next(cases.Count);
                (drawnA[i], drawnB[i]) = (cases[pick], baseline[pick]);
            }
            differences[r] = Metric(drawnA) - Metric(drawnB);
        }
        Array.Sort(differences);
        return new VariantDifference(variant, versus, split, metric, Math.Round(Metric(cases) - Metric(baseline), 4),
            Math.Round(differences[(int)(0.025 * (resamples - 1))], 4), Math.Round(differences[(int)Math.Ceiling(0.975 * (resamples - 1))], 4));
    }

    /// <summary>Each variant against the one before it in the ladder, per split and headline metric.</summary>
    public static IReadOnlyList<VariantDifference> Ladder(IReadOnlyList<(string Variant, IReadOnlyList<ScoredCase> Cases)> ladder)
    {
        var result = new List<VariantDifference>();
        for (int v = 1; v < ladder.Count; v++)
            foreach (var (split, multi) in new[] { ("single", false), ("multi", true) })
            {
                var a = ladder[v].Cases.Where(c => c.Case.IsMulti == multi).ToList();
                var b = ladder[v - 1].Cases.Where(c => c.Case.IsMulti == multi).ToList();
                foreach (var metric in Metrics)
                    result.Add(Compare(ladder[v].Variant, a, ladder[v - 1].Variant, b, split, metric));
            }
        return result;
    }
}
