using TorchSharp;
using Ttm.Models.Onnx;
using static TorchSharp.torch;

namespace Ttm.Models.Sampling;

/// <summary>
/// First-order Euler flow-matching sampler over a <see cref="VideoDit"/>, with two-group classifier-free
/// guidance. <see cref="Advance"/> moves any set of independent requests one step each in one batched
/// forward pass (three rows per request for guidance), which is what the server's device worker batches. Given a
/// <paramref name="pass"/>, every pass runs through it: on ONNX Runtime (<see cref="OnnxForward"/>, the same weights) a
/// full pass as one graph and a pass with a step cache as the cache's pieces; on a simulated device whole passes only.
/// </summary>
public sealed class FlowSampler(VideoDit model, IForwardPass? pass = null) : IStageSampler
{
    public VideoDit Model { get; } = model;
    VideoDenoiser IStageSampler.Network => Model;

    /// <summary>Where this sampler's passes run.</summary>
    public NetworkRuntime Runtime => pass switch
    {
        null => NetworkRuntime.Libtorch,
        OnnxForward => NetworkRuntime.OnnxRuntime,
        _ => NetworkRuntime.Simulated,
    };

    /// <summary>Where a step cache's pieces run: libtorch or ONNX Runtime; a simulated device has no pieces.</summary>
    OnnxForward? Pieces => pass switch
    {
        null or OnnxForward => pass as OnnxForward,
        _ => throw new NotSupportedException("A simulated device runs whole passes only: ask with the step cache off."),
    };

    /// <summary>Starts a request from seeded Gaussian noise (the same seed gives the same noise on any device).</summary>
    public SamplingRequest Start(StageConditions conditions, SamplingOptions options)
    {
        var c = Model.Config;
        using var generator = new Generator((ulong)options.Seed);
        using var noise = randn([1, 3, c.Frames, c.Height, c.Width], generator: generator); // on the CPU: same noise everywhere
        return new SamplingRequest(conditions, options, noise.to(Model.StateDevice, copy: true), FlowSchedule.LinearQuadratic(options.Steps));
    }

    /// <summary>Continues a request from a checkpoint: x_t after <paramref name="step"/> steps of the same options.</summary>
    /// <param name="state">(1, 3, T, H, W) the latent saved at that step</param>
    public SamplingRequest Resume(StageConditions conditions, SamplingOptions options, int step, Tensor state)
    {
        if (step < 0 || step > options.Steps)
            throw new ArgumentOutOfRangeException(nameof(step), $"A checkpoint at step {step} does not belong to a {options.Steps}-step run.");
        var c = Model.Config;
        long[] expected = [1, 3, c.Frames, c.Height, c.Width];
        if (!state.shape.SequenceEqual(expected))
            throw new ArgumentException($"A checkpoint of shape ({string.Join(", ", state.shape)}) does not fit this model's ({string.Join(", ", expected)}).", nameof(state));
        return new SamplingRequest(conditions, options, state.to(Model.StateDevice, copy: true), FlowSchedule.LinearQuadratic(options.Steps)) { Step = step };
    }

    /// <summary>Advances each request by one Euler step in a single batched forward pass.</summary>
    /// <returns>per request, the clean estimate after this step (for streamed previews); caller disposes</returns>
    public IReadOnlyList<StepResult> Advance(IReadOnlyList<SamplingRequest> requests)
    {
        if (requests.Count == 0) return [];
        if (requests.FirstOrDefault(r => r.IsDone) is { } done)
            throw new InvalidOperationException($"A request that finished its {done.Options.Steps} steps cannot advance.");
        using var inference = inference_mode();
        using var scope = NewDisposeScope();

        // 1. Rows: per request (∅,∅), (V,∅), (V,T), or only (V,T) when guidance is the identity or its settled term is reused.
        var rows = new List<StageConditions>();
        var states = new List<Tensor>();
        var times = new List<float>();
        var rowCounts = new List<int>(requests.Count);
        var reuses = new bool[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            reuses[i] = !r.Options.Guidance.IsIdentity && r.Options.StepCache.GuidanceRows.MayReuse(r.Step, r.Options.Steps, r.GuidanceTerm);
            var groups = r.Options.Guidance.IsIdentity || reuses[i]
                ? [r.Conditions]
                : new[] { r.Conditions.Without(visual: true, text: true), r.Conditions.Without(visual: false, text: true), r.Conditions };
            foreach (var g in groups)
            {
                rows.Add(g);
                states.Add(r.State);
                times.Add(r.Time);
            }
            rowCounts.Add(groups.Length);
        }

        // 2. One forward pass for all rows; with a step cache, requests that skip leave it after the first block.
        var noisy = cat(states, 0); // (R, 3, T, H, W)
        var time = tensor(times.ToArray(), device: noisy.device); // (R,)
        using var batch = StageConditions.Collate(rows, noisy, time, Model.Config.TextWidth);
        var (output, skipped) = requests.All(r => !r.Options.StepCache.SkipsBlocks)
            ? (pass?.forward(batch) ?? Model.forward(batch), new bool[requests.Count])
            : FirstBlockCache.Forward(ForwardPieces.For(Model, Pieces, batch), requests, rowCounts); // (R, 3, T, H, W)

        // 3. Guidance, clean estimate and Euler step per request, all computed before any request changes: a pass that
        // throws leaves every request whose step cache is off as it was, so it can be run again (DeviceWorker does, once).
        var updates = new List<(Tensor State, Tensor Clean, float Next)>(requests.Count);
        int row = 0;
        for (int i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            Tensor guided;
            if (r.Options.Guidance.IsIdentity)
                guided = output.narrow(0, row++, 1);
            else if (reuses[i])
                guided = output.narrow(0, row++, 1) + r.GuidanceTerm.Value!; // ε(V,T) + C, C from the last three-row step
            else
            {
                var full = output.narrow(0, row + 2, 1);
                guided = r.Options.Guidance.Combine(output.narrow(0, row, 1), output.narrow(0, row + 1, 1), full);
                row += 3;
                if (!r.Options.StepCache.GuidanceRows.IsOff) r.GuidanceTerm.Store(guided - full);
            }
            float t = r.Time, next = r.Times[r.Step + 1];
            var clean = Model.Config.Prediction == Prediction.Velocity
                ? r.State + (1f - t) * guided               // x̂ = x_t + (1 − t)·u
                : guided;                                   // the network predicts x̂ itself
            var velocity = (clean - r.State) / (1f - t);     // u = (x̂ − x_t) / (1 − t)
            updates.Add((r.State + (next - t) * velocity, clean, next)); // Euler: x_{t'} = x_t + (t' − t)·u
        }

        // 4. Every request takes its step (no tensor work from here on).
        var results = new List<StepResult>(requests.Count);
        for (int i = 0; i < requests.Count; i++)
        {
            var (r, (updated, clean, next)) = (requests[i], updates[i]);
            if (reuses[i]) r.GuidanceTerm.ReusesInARow++;
            r.State.Dispose();
            r.State = updated.MoveToOuterDisposeScope();
            r.Step++;
            results.Add(new StepResult(r, r.Step, next, clean.MoveToOuterDisposeScope()));
        }
        Count(requests, rowCounts, skipped, reuses);
        return results;
    }

    /// <summary>Runs one request to the end on the calling thread (<see cref="StageRunner"/> over <see cref="DirectStepper"/>).</summary>
    /// <returns>(1, 3, T, H, W) the sample</returns>
    public Tensor Sample(StageConditions conditions, SamplingOptions options, StageHooks? hooks = null, CancellationToken cancellationToken = default)
    {
        // The direct stepper completes synchronously, and so does the run when the hooks do.
        var result = new StageRunner(DirectStepper.Instance).RunAsync(this, conditions, options, hooks ?? StageHooks.None, cancellationToken).GetAwaiter().GetResult();
        return result.Sample;
    }

    long blockForwards, rowBlockForwards, steps, cachedSteps, guidanceReuses;

    /// <summary>
    /// Request-steps this sampler took, how many of them reused the step cache's blocks and how many the settled
    /// guidance term, the block forwards they ran (a cached step runs one block, a full step all), and the same
    /// counted per row of the batch (three guidance rows per step, one where guidance is reused or the identity).
    /// </summary>
    public SamplerCounters Counters => new(Interlocked.Read(ref steps), Interlocked.Read(ref cachedSteps), Interlocked.Read(ref guidanceReuses),
        Interlocked.Read(ref blockForwards), Interlocked.Read(ref rowBlockForwards));

    void Count(IReadOnlyList<SamplingRequest> requests, IReadOnlyList<int> rowCounts, bool[] skipped, bool[] reused)
    {
        int depth = Model.Config.Depth, blocks = 0, rowBlocks = 0, cached = 0, reuses = 0;
        for (int i = 0; i < requests.Count; i++)
        {
            int run = skipped[i] ? 1 : depth;
            requests[i].BlockForwards += run;
            blocks += run;
            rowBlocks += run * rowCounts[i];
            if (skipped[i])
            {
                requests[i].CachedSteps++;
                cached++;
            }
            if (reused[i])
            {
                requests[i].GuidanceReuses++;
                reuses++;
            }
        }
        Interlocked.Add(ref steps, requests.Count);
        Interlocked.Add(ref cachedSteps, cached);
        Interlocked.Add(ref guidanceReuses, reuses);
        Interlocked.Add(ref blockForwards, blocks);
        Interlocked.Add(ref rowBlockForwards, rowBlocks);
    }
}
