using static TorchSharp.torch;

namespace Ttm.Models.Layers;

/// <summary>
/// 3D rotary position embedding over (frame, row, column). Motion is a translation, so attention that
/// sees relative offsets learns "the token v·t away in frame 0" directly. The head width is split into a
/// temporal quarter and two equal spatial parts, each rotated by its own axis' position.
/// </summary>
public sealed class RotaryEmbedding3D : IDisposable
{
    readonly Tensor cosPairs; // (N, d): cos of each pair, twice
    readonly Tensor sinPairs; // (N, d): −sin then +sin for each pair

    public RotaryEmbedding3D(int headDim, int frames, int rows, int columns, double theta = 100.0)
    {
        int half = headDim / 2;
        int tPairs = Math.Max(1, half / 4);
        int yPairs = (half - tPairs) / 2;
        int xPairs = half - tPairs - yPairs;
        int n = frames * rows * columns;
        var angles = new float[n * half];
        for (int t = 0, i = 0; t < frames; t++)
        for (int y = 0; y < rows; y++)
        for (int x = 0; x < columns; x++, i++)
        {
            int o = i * half;
            for (int k = 0; k < tPairs; k++) angles[o++] = t * Frequency(k, tPairs, theta);
            for (int k = 0; k < yPairs; k++) angles[o++] = y * Frequency(k, yPairs, theta);
            for (int k = 0; k < xPairs; k++) angles[o++] = x * Frequency(k, xPairs, theta);
        }
        using var scope = NewDisposeScope();
        var a = tensor(angles, [n, half]);
        var c = a.cos().unsqueeze(-1); // (N, d/2, 1)
        var s = a.sin().unsqueeze(-1);
        cosPairs = cat([c, c], -1).reshape(n, 2 * half).DetachFromDisposeScope();
        sinPairs = cat([s.neg(), s], -1).reshape(n, 2 * half).DetachFromDisposeScope();
    }

    /// <summary>(N, d) the cos and the signed sin tables <see cref="Apply"/> multiplies by (for a graph export).</summary>
    internal (Tensor Cos, Tensor Sin) Tables => (cosPairs, sinPairs);

    static float Frequency(int k, int pairs, double theta) => (float)Math.Pow(theta, -(double)k / pairs);

    /// <summary>Rotates queries or keys laid out as (B, heads, N, d).</summary>
    /// <summary>
    /// Rotates each pair (x₂ᵢ, x₂ᵢ₊₁) of the last dimension by its token's angles: (x₂ᵢ cos − x₂ᵢ₊₁ sin, x₂ᵢ₊₁ cos + x₂ᵢ sin),
    /// as x · cos‖cos + swap(x) · (−sin‖sin): three element-wise operations and one copy over the whole tensor (the
    /// same products and sums, so the same values as rotating the pairs one by one).
    /// </summary>
    /// <param name="x">(…, N, d), e.g. (B, h, N, d) or (2, B, h, N, d) for queries and keys at once</param>
    public Tensor Apply(Tensor x)
    {
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var swapped = x.reshape([.. shape[..^1], shape[^1] / 2, 2]).flip(-1).reshape(shape); // (…, N, d): (x₂ᵢ₊₁, x₂ᵢ)
        var c = cosPairs.to(x.dtype, x.device);
        var s = sinPairs.to(x.dtype, x.device);
        return (x * c + swapped * s).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        cosPairs.Dispose();
        sinPairs.Dispose();
    }
}
