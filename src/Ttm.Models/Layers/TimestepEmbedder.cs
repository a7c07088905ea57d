using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ttm.Models.Layers;

/// <summary>Flow time t ∈ [0, 1] → sinusoidal features → MLP (DiT's TimestepEmbedder).</summary>
public sealed class TimestepEmbedder : nn.Module
{
    readonly Linear fc1;
    readonly Linear fc2;
    readonly int frequencies;

    public TimestepEmbedder(string name, int hidden, int frequencies = 256) : base(name)
    {
        this.frequencies = frequencies;
        fc1 = nn.Linear(frequencies, hidden);
        fc2 = nn.Linear(hidden, hidden);
        RegisterComponents();
    }

    /// <param name="t">(B,) flow time in [0, 1]</param>
    /// <returns>(B, D)</returns>
    public Tensor forward(Tensor t)
    {
        using var scope = NewDisposeScope();
        int half = frequencies / 2;
        var freqs = exp(arange(half, dtype: ScalarType.Float32, device: t.device) * (-Math.Log(10000.0) / half)); // (F/2,)
        var args = (t.to(ScalarType.Float32) * 1000f).unsqueeze(1) * freqs.unsqueeze(0); // (B, F/2)
        var features = cat([args.cos(), args.sin()], 1); // (B, F)
        return fc2.forward(nn.functional.silu(fc1.forward(features))).MoveToOuterDisposeScope();
    }
}
