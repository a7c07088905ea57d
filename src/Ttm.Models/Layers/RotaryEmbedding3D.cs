using static TorchSharp.torch;

namespace Ttm.Models.Layers;

/// <summary>
/// 3D rotary position embedding over (frame, row, column). Motion is a translation, so attention that
/// sees relative offsets learns "the token v·t away in frame 0" directly. The head width is split into a
/// temporal quarter and two equal spatial parts, each rotated by its own axis' position.
/// </summary>
public sealed class RotaryEmbedding3D : IDisposable
{
    readonly Tensor cos; // (N, d/2)
    readonly Tensor sin; // (N, d/2)

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
        using var a = tensor(angles, [n, half]);
        cos = a.cos().DetachFromDisposeScope();
        sin = a.sin().DetachFromDisposeScope();
    }

    static float Frequency(int k, int pairs, double theta) => (float)Math.Pow(theta, -(double)k / pairs);

    /// <summary>Rotates queries or keys laid out as (B, heads, N, d).</summary>
    public Tensor Apply(Tensor x)
    {
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var pairs = x.reshape(shape[0], shape[1], shape[2], shape[3] / 2, 2); // (B, h, N, d/2, 2)
        var even = pairs.select(-1, 0);
        var odd = pairs.select(-1, 1);
        var c = cos.to(x.dtype, x.device);
        var s = sin.to(x.dtype, x.device);
        var rotated = stack([even * c - odd * s, even * s + odd * c], -1); // (B, h, N, d/2, 2)
        return rotated.reshape(shape).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        cos.Dispose();
        sin.Dispose();
    }
}
