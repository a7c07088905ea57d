using TorchSharp;
using static TorchSharp.torch;

namespace Ttm.Models;

/// <summary>
/// What both TTM backbones are to their samplers, trainer and weights: a network that reads one <see cref="DitBatch"/>
/// (noisy target ; first-frame conditions ; trajectory, the prompt, the local prompts and where they apply) and
/// predicts what its <see cref="TtmConfig.Prediction"/> says. <see cref="VideoDit"/> (flow matching) and
/// <see cref="VideoUnet"/> (DDIM, v-prediction).
/// </summary>
public abstract class VideoDenoiser(string name, TtmConfig config) : nn.Module(name)
{
    public TtmConfig Config { get; } = config;

    /// <returns>(B, 3, T, H, W)</returns>
    public abstract Tensor forward(DitBatch batch);

    public long ParameterCount() => parameters().Sum(q => q.numel());

    /// <summary>
    /// Where a sampler keeps this network's state: the device its parameters are on, or the CPU for a network held as shapes
    /// only (libtorch's meta device: a simulated device's, <see cref="Weights.ModelWeights.LoadShapeOnly"/>).
    /// </summary>
    public Device StateDevice
    {
        get
        {
            var device = parameters().First().device;
            return device.type == DeviceType.META ? CPU : device;
        }
    }

    /// <summary>Builds the network <paramref name="config"/> names (its <see cref="TtmConfig.Backbone"/>), freshly initialised.</summary>
    public static VideoDenoiser Create(TtmConfig config) => config.Backbone switch
    {
        Backbone.Dit => new VideoDit(config),
        Backbone.Unet => new VideoUnet(config),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Backbone, "Unknown backbone."),
    };
}
