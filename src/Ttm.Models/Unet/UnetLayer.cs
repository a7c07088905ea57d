using TorchSharp;
using static TorchSharp.torch;

namespace Ttm.Models.Unet;

/// <summary>
/// One layer of a U-Net level: a ResNet block, the spatial transformer where the level attends, and the motion
/// module (AnimateDiff inserts one after every layer).
/// </summary>
public sealed class UnetLayer : nn.Module
{
    readonly UnetResBlock res;
    readonly SpatialTransformer? spatial;
    readonly MotionModule motion;

    public UnetLayer(string name, TtmConfig config, int inChannels, int outChannels, int embeddingWidth, bool attends, bool addsLayers)
        : base(name)
    {
        var shape = config.UnetShape;
        res = new UnetResBlock("res", inChannels, outChannels, embeddingWidth, shape.NormGroups);
        if (attends) spatial = new SpatialTransformer("spatial", config, outChannels, addsLayers);
        motion = new MotionModule("motion", shape, outChannels);
        RegisterComponents();
    }

    public SpatialTransformer? Spatial => spatial;

    /// <param name="x">(B·T, Cin, h, w)</param>
    /// <param name="grid">this level's token grid</param>
    /// <returns>(B·T, Cout, h, w)</returns>
    public Tensor forward(Tensor x, UnetContext context, UnetGrid grid)
    {
        using var scope = NewDisposeScope();
        var h = res.forward(x, context.FrameEmbedding); // (B·T, Cout, h, w)
        if (spatial is not null)
            h = spatial.forward(h, context, grid); // (B·T, Cout, h, w)
        h = motion.forward(h, context, grid); // (B·T, Cout, h, w)
        return h.MoveToOuterDisposeScope();
    }
}
