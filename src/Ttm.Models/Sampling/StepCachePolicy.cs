namespace Ttm.Models.Sampling;

/// <summary>
/// When a denoising step may reuse the last full step's work (First-Block-Cache, in the spirit of TeaCache): the
/// first block always runs; when its residual changed by less than <see cref="Threshold"/> (relative L1) since the
/// request's last full step, the other blocks are skipped and their cached residual is added instead. The first
/// <see cref="FullFirstSteps"/> steps and the last step always run in full, and at most <see cref="MaxSkipsInARow"/>
/// steps in a row are skipped. A decision is per request: in a batched pass, requests that skip leave the heavy
/// part of the forward and the others are computed as without a cache. <paramref name="Guidance"/> (absent: off) may
/// in addition drop a request's unconditional guidance rows once their contribution has settled (<see cref="GuidanceReuse"/>).
/// </summary>
public sealed record StepCachePolicy(string Name, float Threshold, int MaxSkipsInARow, int FullFirstSteps, GuidanceReuse? Guidance = null)
{
    /// <summary>Every step in full: the same numbers as a run without a cache, bit for bit.</summary>
    public static StepCachePolicy Off { get; } = new("off", 0f, 0, 0);

    /// <summary>
    /// The documented default setting (<c>./ttm bench caching</c>, docs/benchmarks.md, Step caching inside continuous batching): on the shipped tiny models a sweep of
    /// thresholds 0.05, 0.1, 0.2 and 0.4 (two skips in a row, 16 cases) left direction accuracy, mask IoU and PSNR
    /// where they were with the cache off while the block forwards fell 1.29× to 1.74×
    /// (<c>docs/measurements/step-cache-sweep.json</c>). It also reuses a settled guidance term (0.1, two steps in a row):
    /// on 16 cases with the blocks' setting alone, that left every metric's difference from off inside its noise and took
    /// the row block forwards from 1.64× to 1.78× fewer (<c>docs/measurements/guidance-sweep.json</c>).
    /// </summary>
    public static StepCachePolicy Balanced { get; } = new("balanced", 0.3f, 2, 2, new GuidanceReuse(0.1f, 2, 2));

    /// <summary>More skips (three in a row, from the second step) and a looser guidance threshold (0.4), for a measured quality cost.</summary>
    public static StepCachePolicy Aggressive { get; } = new("aggressive", 0.6f, 3, 1, new GuidanceReuse(0.4f, 2, 2));

    public static IReadOnlyList<StepCachePolicy> Named { get; } = [Off, Balanced, Aggressive];

    /// <summary>Whether a step may skip the blocks after the first (First-Block-Cache).</summary>
    public bool SkipsBlocks => Threshold > 0f && MaxSkipsInARow > 0;

    /// <summary>The adaptive-guidance part of the setting (<see cref="GuidanceReuse.Off"/> when absent).</summary>
    public GuidanceReuse GuidanceRows => Guidance ?? GuidanceReuse.Off;

    /// <summary>Every step in full, every guidance row computed: exact.</summary>
    public bool IsOff => !SkipsBlocks && GuidanceRows.IsOff;

    /// <summary>The named setting, or a clear error listing them.</summary>
    public static StepCachePolicy Parse(string name) =>
        Named.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown step cache '{name}'; use one of: {string.Join(", ", Named.Select(p => p.Name))}.", nameof(name));

    /// <summary>Whether step <paramref name="step"/> (0-based) of a <paramref name="steps"/>-step run may be skipped at all.</summary>
    public bool MaySkip(int step, int steps, int skipsInARow) =>
        SkipsBlocks && step >= FullFirstSteps && step < steps - 1 && skipsInARow < MaxSkipsInARow;
}
