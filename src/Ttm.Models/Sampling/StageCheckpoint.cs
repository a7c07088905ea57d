namespace Ttm.Models.Sampling;

/// <summary>A denoising stage's state after <paramref name="Step"/> steps: x_t as a flat (1, 3, T, H, W) array, enough to continue it elsewhere with the same result.</summary>
public sealed record StageCheckpoint(int Step, float[] Latent);
