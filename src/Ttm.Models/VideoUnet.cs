using TorchSharp;
using TorchSharp.Modules;
using Ttm.Models.Layers;
using Ttm.Models.Unet;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ttm.Models;

/// <summary>
/// The paper's other backbone: an AnimateDiff-style video U-Net, in pixel space at these sizes (E is the identity). A
/// spatial U-Net (Stable Diffusion's: ResNet blocks with the timestep embedding, stride-2 down- and nearest up-sampling,
/// skip connections from every encoder layer to the decoder) whose levels from stride <see cref="TtmConfig.PatchSize"/>
/// down carry spatial transformers (self-attention in each frame, cross-attention to the prompt), with a motion module
/// (temporal attention over frames, zero-initialised output) after every layer. Same inputs as <see cref="VideoDit"/>:
/// stage 1 reads [noisy trajectory ; s(0) ; x(0)] and c_motion; stage 2 [noisy video ; x(0) ; ŝ], c and c_local, the
/// encoder's first K spatial transformers (K = all of them in the named sizes, the paper's K = 6) carrying the added
/// masked self-attention (Eq. 3) and masked cross-attention (Eqs. 1-2). It predicts v for DDIM
/// (<see cref="Sampling.DdimSampler"/>); <see cref="DitBatch.Time"/> is the diffusion timestep / 1000.
/// </summary>
public sealed class VideoUnet : VideoDenoiser
{
    readonly TimestepEmbedder timeEmbed;
    readonly Linear textPool;
    readonly Conv2d convIn;
    readonly ModuleList<UnetLayer> encoder;
    readonly ModuleList<Downsampler> downsamplers;
    readonly UnetResBlock midRes1;
    readonly SpatialTransformer midSpatial;
    readonly MotionModule midMotion;
    readonly UnetResBlock midRes2;
    readonly ModuleList<UnetLayer> decoder;
    readonly ModuleList<Upsampler> upsamplers;
    readonly ChannelGroupNorm normOut;
    readonly Conv2d convOut;
    readonly RotaryEmbedding3D[] ropes; // per level (stride 2^level)

    public VideoUnet(TtmConfig config) : base("VideoUnet", Checked(config))
    {
        var shape = config.UnetShape;
        int levels = shape.ChannelMultipliers.Count, embeddingWidth = 4 * shape.Channels;
        timeEmbed = new TimestepEmbedder("timeEmbed", embeddingWidth);
        textPool = nn.Linear(config.TextWidth, embeddingWidth);
        convIn = nn.Conv2d(config.InputChannels, shape.Channels, 3, padding: 1);

        // Encoder: LayersPerLevel layers per level, a downsampler between levels; every output is a skip.
        var encoderLayers = new List<UnetLayer>();
        var down = new List<Downsampler>();
        var skips = new Stack<int>([shape.Channels]);
        int channels = shape.Channels, transformers = 0;
        for (int level = 0; level < levels; level++)
        {
            int width = shape.LevelChannels(level);
            for (int j = 0; j < shape.LayersPerLevel; j++)
            {
                bool attends = config.UnetAttends(level);
                bool adds = attends && config.AddsLayers && transformers < config.MaskedBlocks;
                if (attends) transformers++;
                encoderLayers.Add(new UnetLayer($"down{level}_{j}", config, channels, width, embeddingWidth, attends, adds));
                channels = width;
                skips.Push(channels);
            }
            if (level < levels - 1)
            {
                down.Add(new Downsampler($"downsample{level}", channels));
                skips.Push(channels);
            }
        }
        encoder = nn.ModuleList(encoderLayers.ToArray());
        downsamplers = nn.ModuleList(down.ToArray());

        // Middle, at the deepest level: ResNet, spatial transformer, motion module, ResNet.
        midRes1 = new UnetResBlock("midRes1", channels, channels, embeddingWidth, shape.NormGroups);
        midSpatial = new SpatialTransformer("midSpatial", config, channels, addsLayers: false);
        midMotion = new MotionModule("midMotion", shape, channels);
        midRes2 = new UnetResBlock("midRes2", channels, channels, embeddingWidth, shape.NormGroups);

        // Decoder: LayersPerLevel + 1 layers per level, each reading one skip; an upsampler between levels.
        var decoderLayers = new List<UnetLayer>();
        var up = new List<Upsampler>();
        for (int level = levels - 1; level >= 0; level--)
        {
            int width = shape.LevelChannels(level);
            for (int j = 0; j <= shape.LayersPerLevel; j++)
            {
                decoderLayers.Add(new UnetLayer($"up{level}_{j}", config, channels + skips.Pop(), width, embeddingWidth, config.UnetAttends(level), addsLayers: false));
                channels = width;
            }
            if (level > 0) up.Add(new Upsampler($"upsample{level}", channels));
        }
        decoder = nn.ModuleList(decoderLayers.ToArray());
        upsamplers = nn.ModuleList(up.ToArray());

        normOut = new ChannelGroupNorm("normOut", shape.NormGroups, channels);
        convOut = nn.Conv2d(channels, 3, 3, padding: 1);
        ropes = Enumerable.Range(0, levels)
            .Select(level => new RotaryEmbedding3D(shape.HeadWidth, config.Frames, config.Height >> level, config.Width >> level))
            .ToArray();
        RegisterComponents();
        using (no_grad())
        {
            convOut.weight!.zero_();
            convOut.bias!.zero_();
        }
    }

    /// <summary>The encoder's spatial transformers in order (the first K carry the added layers).</summary>
    public IReadOnlyList<SpatialTransformer> EncoderTransformers => encoder.Select(l => l.Spatial).OfType<SpatialTransformer>().ToList();

    /// <summary>Every added masked self-attention computes Eq. 3 with the dense mask (true), by object groups (false), or by the pass's size (null).</summary>
    public void UseDenseMask(bool? dense)
    {
        foreach (var transformer in EncoderTransformers)
            if (transformer.AddedSelf is { } layer) layer.UseDense = dense;
    }

    /// <summary>Predicts v for each row of the batch.</summary>
    /// <returns>(B, 3, T, H, W)</returns>
    public override Tensor forward(DitBatch batch)
    {
        using var scope = NewDisposeScope();
        var c = Config;
        var shape = c.UnetShape;
        int levels = shape.ChannelMultipliers.Count;
        long b = batch.Size, t = c.Frames;
        var context = Context(batch); // per-frame embedding, prompt, per-level grids

        // Each frame of [noisy ; conditions] is an image to the convolutions.
        var input = cat([batch.Noisy, batch.Visual], 1); // (B, Cin, T, H, W)
        var frames = input.permute(0, 2, 1, 3, 4).reshape(b * t, c.InputChannels, c.Height, c.Width); // (B·T, Cin, H, W)
        var h = convIn.forward(frames); // (B·T, C0, H, W)

        // 1. Encoder, keeping every layer's output for the decoder.
        var skips = new Stack<Tensor>([h]);
        for (int level = 0, layer = 0; level < levels; level++)
        {
            for (int j = 0; j < shape.LayersPerLevel; j++, layer++)
            {
                h = encoder[layer].forward(h, context, context.Grids[level]); // (B·T, C_level, H/2^level, W/2^level)
                skips.Push(h);
            }
            if (level < levels - 1)
            {
                h = downsamplers[level].forward(h); // (B·T, C_level, H/2^(level+1), W/2^(level+1))
                skips.Push(h);
            }
        }

        // 2. Middle, at the deepest level.
        var deepest = context.Grids[levels - 1];
        h = midRes1.forward(h, context.FrameEmbedding); // (B·T, C_last, h, w)
        h = midSpatial.forward(h, context, deepest); // (B·T, C_last, h, w)
        h = midMotion.forward(h, context, deepest); // (B·T, C_last, h, w)
        h = midRes2.forward(h, context.FrameEmbedding); // (B·T, C_last, h, w)

        // 3. Decoder, each layer reading the matching encoder output concatenated on channels.
        for (int level = levels - 1, layer = 0; level >= 0; level--)
        {
            for (int j = 0; j <= shape.LayersPerLevel; j++, layer++)
                h = decoder[layer].forward(cat([h, skips.Pop()], 1), context, context.Grids[level]); // (B·T, C_level, H/2^level, W/2^level)
            if (level > 0)
                h = upsamplers[levels - 1 - level].forward(h); // (B·T, C_level, H/2^(level-1), W/2^(level-1))
        }

        // 4. Out to three channels per frame, back to video layout.
        var v = OutputConvolution(F.silu(normOut.forward(h))); // (B·T, 3, H, W)
        return v.view(b, t, 3, c.Height, c.Width).permute(0, 2, 1, 3, 4).contiguous().MoveToOuterDisposeScope(); // (B, 3, T, H, W)
    }

    /// <summary>
    /// <see cref="convOut"/> (3×3, C0 → 3) as columns times weights: the libtorch CPU build here computes a convolution's
    /// input gradient wrongly when it has few output channels (3 or 8: NaN or values that change from one backward pass to
    /// the next; 16 and more agree), and this gradient is the one every other weight's gradient flows through. Same weights,
    /// same values (to float rounding), a gradient that repeats exactly.
    /// </summary>
    /// <param name="x">(B·T, C0, H, W)</param>
    /// <returns>(B·T, 3, H, W)</returns>
    Tensor OutputConvolution(Tensor x)
    {
        var (n, height, width) = (x.shape[0], x.shape[2], x.shape[3]);
        var columns = F.unfold(x, 3, padding: 1); // (B·T, C0·9, H·W)
        var y = matmul(convOut.weight!.view(3, -1), columns) + convOut.bias!.view(1, 3, 1); // (B·T, 3, H·W)
        return y.view(n, 3, height, width);
    }

    /// <summary>What every layer reads: the timestep + pooled prompt per frame, the prompt, and each level's grid (into the caller's scope).</summary>
    UnetContext Context(DitBatch batch)
    {
        var c = Config;
        int levels = c.UnetShape.ChannelMultipliers.Count;
        var textMask = batch.TextMask.to(ScalarType.Float32).unsqueeze(-1); // (B, S, 1)
        var pooled = (batch.Text * textMask).sum(1) / textMask.sum(1).clamp_min(1f); // (B, E')
        var embedding = timeEmbed.forward(batch.Time) + textPool.forward(pooled); // (B, E)
        var frameEmbedding = embedding.unsqueeze(1).expand(-1, c.Frames, -1).reshape(-1, embedding.shape[1]); // (B·T, E)

        var grids = new UnetGrid[levels];
        for (int level = 0; level < levels; level++)
        {
            grids[level] = new UnetGrid(ropes[level]);
            if (ReadsLocalConditions(c, level))
            {
                var (visible, objects) = LocalConditions(c, batch, level);
                grids[level] = grids[level] with { LocalText = batch.LocalText!, LocalVisible = visible, TokenObjects = objects };
            }
        }
        return new UnetContext(frameEmbedding, batch.Text, batch.TextMask.unsqueeze(1), c.Frames, grids);
    }

    /// <summary>Whether a level's layers read the local prompts and the trajectory's token groups (it carries added layers).</summary>
    public static bool ReadsLocalConditions(TtmConfig c, int level) => c.AddsLayers && c.MaskedBlocks > 0 && c.UnetAttends(level);

    /// <summary>
    /// The trajectory's token groups and boxes, given at stride <see cref="TtmConfig.PatchSize"/>, max-pooled to
    /// <paramref name="level"/>'s grid: a cell belongs to the highest object id it covers (objects win over the background,
    /// so a small object keeps its tokens), and lies in a box if any of its tokens does. Into the caller's dispose scope.
    /// </summary>
    /// <returns>Eqs. 1-2's M, (B, N', S') bool (TI2V: (B, 1, S'), every real local token); Eq. 3's object per token (B, N') int64, or null unmasked</returns>
    public static (Tensor LocalVisible, Tensor? TokenObjects) LocalConditions(TtmConfig c, DitBatch batch, int level)
    {
        int factor = (1 << level) / c.PatchSize;
        long b = batch.Size, t = c.Frames, h = c.Height / c.PatchSize, w = c.Width / c.PatchSize;
        Tensor Pool(Tensor perToken) // (B, N, K) → (B, N', K)
        {
            if (factor == 1) return perToken;
            long k = perToken.shape[2];
            var maps = perToken.to(ScalarType.Float32).view(b, t, h, w, k).permute(0, 1, 4, 2, 3).reshape(b * t, k, h, w); // (B·T, K, h, w)
            var pooled = F.max_pool2d(maps, factor, factor); // (B·T, K, h/f, w/f)
            return pooled.view(b, t, k, h / factor, w / factor).permute(0, 1, 3, 4, 2).reshape(b, -1, k); // (B, N', K)
        }
        var visible = !c.MasksCrossAttention || batch.TokenBoxes is null
            ? batch.LocalTokensPresent() // (B, 1, S') unmasked (TI2V)
            : DitBatch.Visibility(Pool(batch.TokenBoxes) > 0.5f, batch.LocalOwner!); // (B, N', S')
        var objects = c.MasksSelfAttention ? Pool(batch.TokenObjects!.unsqueeze(-1)).squeeze(-1).to(ScalarType.Int64) : null; // (B, N')
        return (visible, objects);
    }

    static TtmConfig Checked(TtmConfig config)
    {
        config.Validate();
        if (config.Backbone != Backbone.Unet)
            throw new ArgumentException($"A {config.Backbone} config builds a {nameof(VideoDit)}, not a {nameof(VideoUnet)}.", nameof(config));
        return config;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            foreach (var rope in ropes) rope.Dispose();
        base.Dispose(disposing);
    }
}
