namespace Ttm.Models.Sampling;

/// <summary>Where one stage run starts and what it hands out on the way: previews every k steps, checkpoints every n.</summary>
public sealed record StageHooks
{
    public static StageHooks None { get; } = new();

    /// <summary>Continue from this checkpoint instead of from seeded noise.</summary>
    public StageCheckpoint? ResumeFrom { get; init; }

    /// <summary>A preview every this many steps, never after the last (0: none).</summary>
    public int PreviewEvery { get; init; }

    /// <summary>Receives the step's clean estimate x̂ (1, 3, T, H, W), which it must not keep.</summary>
    public Func<StepResult, CancellationToken, Task>? OnPreview { get; init; }

    /// <summary>A checkpoint every this many steps and after the last (0: none).</summary>
    public int CheckpointEvery { get; init; }

    public Func<StageCheckpoint, CancellationToken, Task>? OnCheckpoint { get; init; }
}
