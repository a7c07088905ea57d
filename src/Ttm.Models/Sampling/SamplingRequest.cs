using static TorchSharp.torch;

namespace Ttm.Models.Sampling;

/// <summary>Options of one denoising run; <paramref name="Cache"/> absent is <see cref="StepCachePolicy.Off"/>.</summary>
public sealed record SamplingOptions(int Steps, GuidanceScales Guidance, long Seed, StepCachePolicy? Cache = null)
{
    public StepCachePolicy StepCache => Cache ?? StepCachePolicy.Off;

    public static SamplingOptions Default { get; } = new(16, GuidanceScales.Default, 0);
}

/// <summary>
/// One request's denoising state: its conditions, its own time grid and step index, and the current x_t.
/// Requests are independent: a batch may hold requests at different steps with different seeds.
/// </summary>
public sealed class SamplingRequest : IDisposable
{
    public StageConditions Conditions { get; }
    public SamplingOptions Options { get; }
    /// <summary>The request's grid, steps + 1 entries: the DiT's flow times (0 noise … 1 data), the U-Net's diffusion timesteps (T − 1 … then −1, clean).</summary>
    public float[] Times { get; }
    /// <summary>Steps taken so far.</summary>
    public int Step { get; internal set; }
    /// <summary>(1, 3, T, H, W) the current x_t.</summary>
    public Tensor State { get; internal set; }

    /// <summary>What the step cache kept from this request's last full step (empty with the cache off).</summary>
    internal FirstBlockCache.Entry CacheEntry { get; } = new();

    /// <summary>This request's guidance term from its last three-row step (empty unless its setting reuses guidance).</summary>
    internal GuidanceReuse.Term GuidanceTerm { get; } = new();

    /// <summary>Block forwards this request has run (a skipped step runs one, a full step all of them).</summary>
    public int BlockForwards { get; internal set; }
    /// <summary>Steps that reused the cached blocks.</summary>
    public int CachedSteps { get; internal set; }
    /// <summary>Steps that ran the full guidance row alone and added the settled guidance term.</summary>
    public int GuidanceReuses { get; internal set; }

    public bool IsDone => Step >= Options.Steps;
    public float Time => Times[Step];

    internal SamplingRequest(StageConditions conditions, SamplingOptions options, Tensor initialNoise, float[] times)
    {
        if (times.Length != options.Steps + 1)
            throw new ArgumentException($"A {options.Steps}-step request needs {options.Steps + 1} grid points, not {times.Length}.", nameof(times));
        Conditions = conditions;
        Options = options;
        Times = times;
        State = initialNoise;
    }

    public void Dispose()
    {
        State.Dispose();
        CacheEntry.Dispose();
        GuidanceTerm.Dispose();
    }
}

/// <summary>What one step produced for one request: its index, the grid point reached (<see cref="SamplingRequest.Times"/>), and the clean estimate x̂ (1, 3, T, H, W).</summary>
public sealed record StepResult(SamplingRequest Request, int Step, float Time, Tensor CleanEstimate) : IDisposable
{
    public void Dispose() => CleanEstimate.Dispose();
}
