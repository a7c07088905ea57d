using static TorchSharp.torch;

namespace Ttm.Models.Sampling;

/// <summary>Options of one denoising run.</summary>
public sealed record SamplingOptions(int Steps, GuidanceScales Guidance, long Seed)
{
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
    public float[] Times { get; }
    /// <summary>Steps taken so far.</summary>
    public int Step { get; internal set; }
    /// <summary>(1, 3, T, H, W) the current x_t.</summary>
    public Tensor State { get; internal set; }

    public bool IsDone => Step >= Options.Steps;
    public float Time => Times[Step];

    internal SamplingRequest(StageConditions conditions, SamplingOptions options, Tensor initialNoise)
    {
        Conditions = conditions;
        Options = options;
        Times = FlowSchedule.LinearQuadratic(options.Steps);
        State = initialNoise;
    }

    public void Dispose() => State.Dispose();
}

/// <summary>What one step produced for one request: its index, time reached, and the clean estimate x̂ (1, 3, T, H, W).</summary>
public sealed record StepResult(SamplingRequest Request, int Step, float Time, Tensor CleanEstimate) : IDisposable
{
    public void Dispose() => CleanEstimate.Dispose();
}
