using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ttm.Models.Layers;

/// <summary>The transformer's position-wise MLP: Linear → GELU → Linear.</summary>
public sealed class FeedForward : nn.Module
{
    readonly Linear fc1;
    readonly Linear fc2;

    public FeedForward(string name, int width, double ratio) : base(name)
    {
        int inner = (int)(width * ratio);
        fc1 = nn.Linear(width, inner);
        fc2 = nn.Linear(inner, width);
        RegisterComponents();
    }

    /// <param name="x">(…, D)</param>
    /// <returns>(…, D)</returns>
    public Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(F.gelu(fc1.forward(x))).MoveToOuterDisposeScope();
    }
}
