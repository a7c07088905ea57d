using TorchSharp;
using static TorchSharp.torch;

namespace Ttm.Models.Sampling;

/// <summary>
/// Deterministic DDIM (η = 0) over a <see cref="VideoUnet"/> that predicts v, on the diffusion schedule its config was
/// trained on (<see cref="DiffusionSchedule.For"/>: zero terminal SNR unless the ablation), at trailing timesteps, with the
/// same two-group classifier-free guidance as the DiT (combined on v, which is linear in ε at a fixed x_t). One step
/// from timestep t to the next grid timestep t' (−1: the clean sample, ᾱ = 1):
///   x̂_0 = √ᾱ_t·x_t − √(1 − ᾱ_t)·v̂,   ε̂ = √ᾱ_t·v̂ + √(1 − ᾱ_t)·x_t,   x_{t'} = √ᾱ_{t'}·x̂_0 + √(1 − ᾱ_{t'})·ε̂.
/// At t = T − 1 under zero terminal SNR (ᾱ = 0) this reads x̂_0 = −v̂ and ε̂ = x_t: the network alone makes the video.
/// The step cache is the DiT's (it skips transformer blocks); this sampler refuses it.
/// </summary>
public sealed class DdimSampler : IStageSampler
{
    /// <param name="pass">where the passes run (ONNX Runtime on the same weights, or a simulated device); absent: libtorch</param>
    public DdimSampler(VideoUnet model, IForwardPass? pass = null)
    {
        this.pass = pass;
        if (model.Config.Prediction != Prediction.V)
            throw new ArgumentException($"DDIM here reads v-predictions; this U-Net predicts {model.Config.Prediction}.", nameof(model));
        Model = model;
        Schedule = DiffusionSchedule.For(model.Config);
    }

    readonly IForwardPass? pass;

    public VideoUnet Model { get; }
    public DiffusionSchedule Schedule { get; }
    VideoDenoiser IStageSampler.Network => Model;

    public SamplingRequest Start(StageConditions conditions, SamplingOptions options)
    {
        Refuse(options);
        var c = Model.Config;
        using var generator = new Generator((ulong)options.Seed);
        using var noise = randn([1, 3, c.Frames, c.Height, c.Width], generator: generator); // on the CPU: same noise everywhere
        return new SamplingRequest(conditions, options, noise.to(Model.StateDevice, copy: true), Grid(options.Steps));
    }

    public SamplingRequest Resume(StageConditions conditions, SamplingOptions options, int step, Tensor state)
    {
        Refuse(options);
        if (step < 0 || step > options.Steps)
            throw new ArgumentOutOfRangeException(nameof(step), $"A checkpoint at step {step} does not belong to a {options.Steps}-step run.");
        var c = Model.Config;
        long[] expected = [1, 3, c.Frames, c.Height, c.Width];
        if (!state.shape.SequenceEqual(expected))
            throw new ArgumentException($"A checkpoint of shape ({string.Join(", ", state.shape)}) does not fit this model's ({string.Join(", ", expected)}).", nameof(state));
        return new SamplingRequest(conditions, options, state.to(Model.StateDevice, copy: true), Grid(options.Steps)) { Step = step };
    }

    /// <summary>A request's grid: the trailing timesteps T − 1 … then −1 (the clean sample), as <see cref="SamplingRequest.Times"/>.</summary>
    static float[] Grid(int steps) => DiffusionSchedule.TrailingTimesteps(steps).Select(t => (float)t).ToArray();

    public IReadOnlyList<StepResult> Advance(IReadOnlyList<SamplingRequest> requests)
    {
        if (requests.Count == 0) return [];
        if (requests.FirstOrDefault(r => r.IsDone) is { } done)
            throw new InvalidOperationException($"A request that finished its {done.Options.Steps} steps cannot advance.");
        using var inference = inference_mode();
        using var scope = NewDisposeScope();

        // 1. Rows: per request (∅,∅), (V,∅), (V,T), or only (V,T) when guidance is the identity.
        var rows = new List<StageConditions>();
        var states = new List<Tensor>();
        var times = new List<float>();
        foreach (var r in requests)
        {
            var groups = r.Options.Guidance.IsIdentity
                ? [r.Conditions]
                : new[] { r.Conditions.Without(visual: true, text: true), r.Conditions.Without(visual: false, text: true), r.Conditions };
            foreach (var g in groups)
            {
                rows.Add(g);
                states.Add(r.State);
                times.Add(r.Time / DiffusionSchedule.TrainSteps); // the network reads t / 1000
            }
        }

        // 2. One forward pass for all rows.
        var noisy = cat(states, 0); // (R, 3, T, H, W)
        var time = tensor(times.ToArray(), device: noisy.device); // (R,)
        using var batch = StageConditions.Collate(rows, noisy, time, Model.Config.TextWidth);
        var output = pass?.forward(batch) ?? Model.forward(batch); // (R, 3, T, H, W) v̂

        // 3. Guidance and the DDIM step per request, all computed before any request changes (a pass that throws leaves
        // every request as it was, so the device worker can run it again).
        var updates = new List<(Tensor State, Tensor Clean, float Next)>(requests.Count);
        int row = 0;
        foreach (var r in requests)
        {
            Tensor v;
            if (r.Options.Guidance.IsIdentity)
                v = output.narrow(0, row++, 1);
            else
            {
                v = r.Options.Guidance.Combine(output.narrow(0, row, 1), output.narrow(0, row + 1, 1), output.narrow(0, row + 2, 1));
                row += 3;
            }
            int t = (int)r.Time, next = (int)r.Times[r.Step + 1];
            var (state, clean) = Step(Schedule, r.State, v, t, next);
            updates.Add((state, clean, next));
        }

        // 4. Every request takes its step (no tensor work from here on).
        var results = new List<StepResult>(requests.Count);
        for (int i = 0; i < requests.Count; i++)
        {
            var (r, (updated, clean, next)) = (requests[i], updates[i]);
            r.State.Dispose();
            r.State = updated.MoveToOuterDisposeScope();
            r.Step++;
            results.Add(new StepResult(r, r.Step, next, clean.MoveToOuterDisposeScope()));
        }
        return results;
    }

    /// <summary>One DDIM step (η = 0) with v-prediction, from timestep <paramref name="t"/> to <paramref name="next"/> (−1: clean).</summary>
    /// <param name="state">(…) x_t</param>
    /// <param name="v">(…) the (guided) v̂ at x_t</param>
    /// <returns>x_next and the clean estimate x̂_0, each shaped as <paramref name="state"/></returns>
    public static (Tensor Next, Tensor Clean) Step(DiffusionSchedule schedule, Tensor state, Tensor v, int t, int next)
    {
        double alphaBar = schedule.AlphaBar(t), alphaBarNext = schedule.AlphaBar(next);
        float signal = (float)Math.Sqrt(alphaBar), noiseLevel = (float)Math.Sqrt(1 - alphaBar);
        var clean = signal * state - noiseLevel * v;   // x̂_0 = √ᾱ_t·x_t − √(1 − ᾱ_t)·v̂
        var noise = signal * v + noiseLevel * state;   // ε̂ = √ᾱ_t·v̂ + √(1 − ᾱ_t)·x_t
        var updated = (float)Math.Sqrt(alphaBarNext) * clean + (float)Math.Sqrt(1 - alphaBarNext) * noise; // x_{t'}
        return (updated, clean);
    }

    /// <summary>Runs one request to the end on the calling thread (<see cref="StageRunner"/> over <see cref="DirectStepper"/>).</summary>
    /// <returns>(1, 3, T, H, W) the sample</returns>
    public Tensor Sample(StageConditions conditions, SamplingOptions options, StageHooks? hooks = null, CancellationToken cancellationToken = default)
    {
        var result = new StageRunner(DirectStepper.Instance).RunAsync(this, conditions, options, hooks ?? StageHooks.None, cancellationToken).GetAwaiter().GetResult();
        return result.Sample;
    }

    static void Refuse(SamplingOptions options)
    {
        if (!options.StepCache.IsOff)
            throw new NotSupportedException(
                "The step cache reuses a DiT's transformer blocks between steps; the U-Net has none to reuse. Run the U-Net with the step cache off.");
    }
}
