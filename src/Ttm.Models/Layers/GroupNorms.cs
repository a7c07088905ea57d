using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ttm.Models.Layers;

/// <summary>
/// Group normalisation over (N, C, H, W) feature maps, as the U-Net uses it (Stable Diffusion's: affine, ε = 1e-6), written
/// out in plain operations: TorchSharp 0.107's <c>nn.GroupNorm</c> leaves its affine parameters as uninitialised memory
/// (NaN and 1e30 weights seen here). Its tensors are named weight and bias, as GroupNorm's.
/// </summary>
public sealed class ChannelGroupNorm : nn.Module
{
    readonly Parameter weight;
    readonly Parameter bias;
    readonly int groups;
    readonly double epsilon;

    public ChannelGroupNorm(string name, int groups, int channels, double epsilon = 1e-6) : base(name)
    {
        if (channels % groups != 0) throw new ArgumentException($"{channels} channels do not divide into {groups} groups.", nameof(groups));
        this.groups = groups;
        this.epsilon = epsilon;
        weight = new Parameter(ones(channels));
        bias = new Parameter(zeros(channels));
        RegisterComponents();
    }

    /// <param name="x">(N, C, H, W)</param>
    /// <returns>(N, C, H, W)</returns>
    public Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (n, c) = (x.shape[0], x.shape[1]);
        var grouped = x.reshape(n, groups, -1); // (N, G, C/G·H·W)
        var centred = grouped - grouped.mean([2], keepdim: true);
        var variance = centred.pow(2).mean([2], keepdim: true); // (N, G, 1) biased, as GroupNorm's
        var normalised = (centred * (variance + epsilon).rsqrt()).view(x.shape); // (N, C, H, W)
        return (normalised * weight.view(1, c, 1, 1) + bias.view(1, c, 1, 1)).MoveToOuterDisposeScope();
    }
}
