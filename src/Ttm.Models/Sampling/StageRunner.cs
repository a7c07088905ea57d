using static TorchSharp.torch;

namespace Ttm.Models.Sampling;

/// <summary>The stage's sample x_0 (1, 3, T, H, W) on the model's device, unclamped, and the step it continued from (0: from noise).</summary>
public sealed record StageResult(Tensor Sample, int ResumedFrom) : IDisposable
{
    public void Dispose() => Sample.Dispose();
}

/// <summary>
/// The one denoising loop: start from seeded noise or resume from a checkpoint, step through
/// <see cref="IDenoisingStepper"/> until the last step, preview every k steps and checkpoint every n. Cancellation
/// is seen before each step and by the stepper while the step waits for its device. Every stage of every path
/// runs here: the in-process pipeline and the accelerator silo (the device worker's stepper), the quality and
/// worker benchmarks, and <see cref="FlowSampler.Sample"/> and <see cref="DdimSampler.Sample"/> (the direct stepper).
/// Either backbone's sampler (<see cref="IStageSampler"/>) runs through it.
/// No dispose scope spans an await: scopes are per thread, and a continuation's thread may meanwhile run another
/// generation, whose tensors would land in this one's scope.
/// </summary>
public sealed class StageRunner(IDenoisingStepper stepper)
{
    public async Task<StageResult> RunAsync(IStageSampler sampler, StageConditions conditions, SamplingOptions options, StageHooks hooks,
        CancellationToken cancellationToken)
    {
        // 1. x_1: noise from the seed, or x_t of the checkpoint.
        using var request = Begin(sampler, conditions, options, hooks.ResumeFrom);
        int resumedFrom = request.Step;

        // 2. Steps along the request's grid (the DiT's Euler steps t → t' until t = 1, the U-Net's DDIM steps until the clean
        // sample), each handed to the stepper.
        while (!request.IsDone)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var step = await stepper.StepAsync(sampler, request, cancellationToken);

            // 3. A preview of x̂ every k steps (the last step's x̂ is the sample itself).
            if (hooks.OnPreview is { } preview && hooks.PreviewEvery > 0 && step.Step % hooks.PreviewEvery == 0 && !request.IsDone)
                await preview(step, cancellationToken);

            // 4. A checkpoint every n steps and after the last: a run again continues from it.
            if (hooks.OnCheckpoint is { } save && hooks.CheckpointEvery > 0 && (step.Step % hooks.CheckpointEvery == 0 || request.IsDone))
                await save(new StageCheckpoint(step.Step, Values(request.State)), cancellationToken);
        }
        return new StageResult(request.State.clone(), resumedFrom);
    }

    static SamplingRequest Begin(IStageSampler sampler, StageConditions conditions, SamplingOptions options, StageCheckpoint? checkpoint)
    {
        if (checkpoint is null) return sampler.Start(conditions, options);
        var c = sampler.Network.Config;
        long size = 3L * c.Frames * c.Height * c.Width;
        if (checkpoint.Latent.Length != size) // torch would quietly take a prefix of a longer array
            throw new InvalidDataException($"The {c.Stage} checkpoint holds {checkpoint.Latent.Length} values; this model's latent has shape (1, 3, {c.Frames}, {c.Height}, {c.Width}) = {size}.");
        using var latent = tensor(checkpoint.Latent, [1, 3, c.Frames, c.Height, c.Width]);
        return sampler.Resume(conditions, options, checkpoint.Step, latent);
    }

    static float[] Values(Tensor state)
    {
        using var scope = NewDisposeScope();
        return state.cpu().data<float>().ToArray();
    }
}
