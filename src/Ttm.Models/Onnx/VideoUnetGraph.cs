using Ttm.Models.Layers;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Ttm.Models.Onnx;

/// <summary>
/// <see cref="VideoUnet.forward"/> written out as an ONNX graph with the network's weights, operator for operator the
/// same computation (ResNet blocks, spatial transformers with TTM's added layers, motion modules, the skips), for ONNX
/// Runtime. Batch rows, prompt tokens and local tokens are free dimensions; feature maps are (B·T, C, h, w), each frame
/// an image to the convolutions, and tokens (B, N, C) frame-major inside the transformers. Attention is ONNX Runtime's
/// fused MultiHeadAttention and rotary positions its RotaryEmbedding, as in <see cref="VideoDitGraph"/>. The levels
/// whose layers carry the added layers read their pooled conditions as inputs (<see cref="LocalVisible"/>,
/// <see cref="TokenObjects"/> per level, computed beside the graph by <see cref="VideoUnet.LocalConditions"/>). The
/// whole pass only: the U-Net has no step cache.
/// </summary>
public static class VideoUnetGraph
{
    public const string Noisy = VideoDitGraph.Noisy, Time = VideoDitGraph.Time, Visual = VideoDitGraph.Visual, Text = VideoDitGraph.Text;
    public const string TextMask = VideoDitGraph.TextMask, LocalText = VideoDitGraph.LocalText, Prediction = VideoDitGraph.Prediction;

    /// <summary>A level's Eqs. 1-2 visibility, (B, N'|1, S') bool: the input's name is this and the level.</summary>
    public const string LocalVisible = "local_visible_";

    /// <summary>A level's Eq. 3 object per token, (B, N') int64: the input's name is this and the level.</summary>
    public const string TokenObjects = "token_objects_";

    /// <summary>The serialized ONNX model of <paramref name="model"/>'s forward pass.</summary>
    public static byte[] Export(VideoUnet model) => Export(model.Config, model.state_dict());

    /// <summary>The serialized ONNX model of the forward pass of a U-Net with these weights (its state dict).</summary>
    public static byte[] Export(TtmConfig config, IDictionary<string, Tensor> weights) => new Writer(new OnnxGraph(), config, weights).Build();

    /// <summary>The level an input named by <see cref="LocalVisible"/> or <see cref="TokenObjects"/> is of, or null for another input.</summary>
    public static int? LevelOf(string input, string prefix) =>
        input.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(input.AsSpan(prefix.Length), out int level) ? level : null;

    sealed class Writer(OnnxGraph graph, TtmConfig c, IDictionary<string, Tensor> state) : GraphLayers(graph, state)
    {
        readonly UnetShape shape = c.UnetShape;
        readonly long frames = c.Frames;
        string frameEmbedding = "", text = "", groupOnes = "", groupZeros = "";
        readonly Dictionary<int, Level> levels = [];

        /// <summary>What a level's layers read: its grid, rotary caches, the prompt's mask there, and the added layers' conditions.</summary>
        sealed record Level(long Height, long Width, (string Cos, string Sin) Rope, Visibility TextVisible, Visibility? LocalVisible, string? SameObject)
        {
            public long Tokens(long frames) => frames * Height * Width;
        }

        public byte[] Build()
        {
            int levelCount = shape.ChannelMultipliers.Count;
            var noisy = g.Input(Noisy, DataType.Float, "batch", 3, c.Frames, c.Height, c.Width);
            var time = g.Input(Time, DataType.Float, "batch");
            var visual = g.Input(Visual, DataType.Float, "batch", c.InputChannels - 3, c.Frames, c.Height, c.Width);
            text = g.Input(Text, DataType.Float, "batch", "text_tokens", c.TextWidth);
            var textMask = g.Input(TextMask, DataType.Bool, "batch", "text_tokens");
            var added = AddedLayers();
            string? localText = added.Count > 0 ? g.Input(LocalText, DataType.Float, "batch", "local_tokens", c.TextWidth) : null;

            // Each level's grid, once per pass: rotary caches, the prompt's mask, the added layers' pooled conditions.
            var textVisibleRows = g.Op("Unsqueeze", [textMask, g.Ints(1)]); // (B, 1, S)
            for (int level = 0; level < levelCount; level++)
            {
                long h = c.Height >> level, w = c.Width >> level, n = frames * h * w;
                using var positions = new RotaryEmbedding3D(shape.HeadWidth, c.Frames, (int)h, (int)w);
                Visibility? localVisible = null;
                string? sameObject = null;
                if (added.Values.Contains(level))
                {
                    var visible = g.Input(LocalVisible + level, DataType.Bool, "batch", $"visible_rows_{level}", "local_tokens");
                    localVisible = Visible(visible, n);
                    if (c.MasksSelfAttention) sameObject = SameObjectBias(g.Input(TokenObjects + level, DataType.Int64, "batch", n));
                }
                levels[level] = new Level(h, w, RotaryCaches(positions, $"rope{level}"), Visible(textVisibleRows, n), localVisible, sameObject);
            }

            // The timestep and pooled prompt, one embedding per row, repeated over its frames: (B·T, E).
            groupOnes = g.Constant("group_ones", Enumerable.Repeat(1f, shape.NormGroups).ToArray(), shape.NormGroups);
            groupZeros = g.Constant("group_zeros", new float[shape.NormGroups], shape.NormGroups);
            var embedding = g.Op("Add", [TimeEmbedding(time, "timeEmbed"), Linear(PooledText(text, textMask), "textPool")]); // (B, E)
            frameEmbedding = Reshape(g.Op("Expand", [g.Op("Unsqueeze", [embedding, g.Ints(1)]), g.Ints(1, frames, 1)]), -1, 4L * shape.Channels);

            // Each frame of [noisy ; conditions] is an image to the convolutions.
            var input = g.Op("Concat", [noisy, visual], ("axis", 1)); // (B, Cin, T, H, W)
            var x = Reshape(g.Op("Transpose", [input], ("perm", new long[] { 0, 2, 1, 3, 4 })), -1, c.InputChannels, c.Height, c.Width); // (B·T, Cin, H, W)
            x = Conv(x, "convIn", 3); // (B·T, C0, H, W)

            // 1. Encoder, keeping every layer's output for the decoder.
            var skips = new Stack<string>([x]);
            for (int level = 0, layer = 0; level < levelCount; level++)
            {
                for (int j = 0; j < shape.LayersPerLevel; j++, layer++)
                {
                    x = Layer(x, $"encoder.{layer}.", level, added.ContainsKey(layer) ? localText : null); // (B·T, C_level, h, w)
                    skips.Push(x);
                }
                if (level < levelCount - 1)
                {
                    x = Conv(x, $"downsamplers.{level}.conv", 3, stride: 2); // (B·T, C_level, h/2, w/2)
                    skips.Push(x);
                }
            }

            // 2. Middle, at the deepest level.
            var deepest = levels[levelCount - 1];
            x = ResBlock(x, "midRes1."); // (B·T, C_last, h, w)
            x = SpatialTransformer(x, "midSpatial.", deepest, null);
            x = MotionModule(x, "midMotion.", deepest);
            x = ResBlock(x, "midRes2.");

            // 3. Decoder, each layer reading the matching encoder output concatenated on channels.
            for (int level = levelCount - 1, layer = 0; level >= 0; level--)
            {
                for (int j = 0; j <= shape.LayersPerLevel; j++, layer++)
                    x = Layer(g.Op("Concat", [x, skips.Pop()], ("axis", 1)), $"decoder.{layer}.", level, null); // (B·T, C_level, h, w)
                if (level > 0)
                    x = Conv(Upsample(x, levels[level]), $"upsamplers.{levelCount - 1 - level}.conv", 3); // (B·T, C_level, 2h, 2w)
            }

            // 4. Out to three channels per frame, back to video layout.
            var v = Conv(Silu(GroupNorm(x, "normOut")), "convOut", 3); // (B·T, 3, H, W)
            v = g.Op("Transpose", [Reshape(v, -1, frames, 3, c.Height, c.Width)], ("perm", new long[] { 0, 2, 1, 3, 4 })); // (B, 3, T, H, W)
            g.Identity(v, Prediction);
            g.Output(Prediction, DataType.Float, "batch", 3, c.Frames, c.Height, c.Width);
            return g.ToModel("TtmCluster");
        }

        /// <summary>The encoder layers that carry TTM's added layers (the first K spatial transformers, as <see cref="VideoUnet"/> builds them), with their level.</summary>
        Dictionary<int, int> AddedLayers()
        {
            var added = new Dictionary<int, int>();
            for (int level = 0, layer = 0, transformers = 0; level < shape.ChannelMultipliers.Count; level++)
                for (int j = 0; j < shape.LayersPerLevel; j++, layer++)
                {
                    if (!c.UnetAttends(level)) continue;
                    if (c.AddsLayers && transformers < c.MaskedBlocks) added[layer] = level;
                    transformers++;
                }
            return added;
        }

        /// <summary>A <see cref="Unet.UnetLayer"/>: ResNet block, the spatial transformer where the level attends, the motion module.</summary>
        string Layer(string x, string prefix, int level, string? localText)
        {
            x = ResBlock(x, prefix + "res.");
            if (weights.ContainsKey(prefix + "spatial.projIn.weight")) x = SpatialTransformer(x, prefix + "spatial.", levels[level], localText);
            return MotionModule(x, prefix + "motion.", levels[level]);
        }

        /// <summary>A <see cref="Unet.UnetResBlock"/>: (B·T, Cin, h, w) → (B·T, Cout, h, w).</summary>
        string ResBlock(string x, string prefix)
        {
            var h = Conv(Silu(GroupNorm(x, prefix + "norm1")), prefix + "conv1", 3); // (B·T, Cout, h, w)
            var bias = g.Op("Unsqueeze", [Linear(Silu(frameEmbedding), prefix + "embedding"), g.Ints(2, 3)]); // (B·T, Cout, 1, 1)
            h = Conv(Silu(GroupNorm(g.Op("Add", [h, bias]), prefix + "norm2")), prefix + "conv2", 3);
            var shortcut = weights.ContainsKey(prefix + "skip.weight") ? Conv(x, prefix + "skip", 1) : x;
            return g.Op("Add", [shortcut, h]);
        }

        /// <summary>A <see cref="Unet.SpatialTransformer"/>; the added layers where <paramref name="localText"/> is given (Eq. 3, Eqs. 1-2).</summary>
        string SpatialTransformer(string x, string prefix, Level level, string? localText)
        {
            long width = Width(prefix), heads = width / shape.HeadWidth, n = level.Tokens(frames), s = level.Height * level.Width;
            var h = Linear(ToTokens(GroupNorm(x, prefix + "norm"), level, width), prefix + "projIn"); // (B, N, C)

            // Self-attention within each frame.
            var (q, k, v) = Project(Norm(h, prefix + "norm1"), prefix + "attn.", width, heads, level.Rope);
            string ToFrames(string t) => Reshape(t, -1, s, width); // (B·T, S, C)
            var o = Reshape(Attention(ToFrames(q), ToFrames(k), ToFrames(v), null, heads), -1, n, width);
            h = g.Op("Add", [h, Linear(o, prefix + "attn.proj")]);

            if (localText is not null && weights.ContainsKey(prefix + "gateAddedSelf"))
            {
                var (qa, ka, va) = Project(Norm(h, prefix + "normAddedSelf"), prefix + "addedSelf.attn.", width, heads, level.Rope);
                var added = Linear(Attention(qa, ka, va, level.SameObject, heads), prefix + "addedSelf.attn.proj"); // Eq. 3, over all frames
                h = g.Op("Add", [h, g.Op("Mul", [Gate(prefix + "gateAddedSelf"), added])]);
            }
            if (localText is not null && weights.ContainsKey(prefix + "gateAddedCross"))
            {
                var added = CrossAttention(Norm(h, prefix + "normAddedCross"), localText, level.LocalVisible!, prefix + "addedCross.", width, heads); // Eqs. 1-2
                h = g.Op("Add", [h, g.Op("Mul", [Gate(prefix + "gateAddedCross"), added])]);
            }

            h = g.Op("Add", [h, CrossAttention(Norm(h, prefix + "normCross"), text, level.TextVisible, prefix + "cross.", width, heads)]); // the prompt
            h = g.Op("Add", [h, FeedForward(Norm(h, prefix + "normFf"), prefix + "ff.")]);
            h = Linear(h, prefix + "projOut");
            return g.Op("Add", [x, ToMaps(h, level, width)]);
        }

        /// <summary>A <see cref="Unet.MotionModule"/>: attention across frames at each position, a feed-forward, in and out of the maps.</summary>
        string MotionModule(string x, string prefix, Level level)
        {
            long width = Width(prefix), heads = width / shape.HeadWidth, n = level.Tokens(frames), s = level.Height * level.Width;
            var h = Linear(ToTokens(GroupNorm(x, prefix + "norm"), level, width), prefix + "projIn"); // (B, N, C)
            var (q, k, v) = Project(Norm(h, prefix + "norm1"), prefix + "attn.", width, heads, level.Rope);
            string ToPositions(string t) => Reshape(g.Op("Transpose", [Reshape(t, -1, frames, s, width)], ("perm", new long[] { 0, 2, 1, 3 })), -1, frames, width); // (B·S, T, C)
            var o = Attention(ToPositions(q), ToPositions(k), ToPositions(v), null, heads);
            o = Reshape(g.Op("Transpose", [Reshape(o, -1, s, frames, width)], ("perm", new long[] { 0, 2, 1, 3 })), -1, n, width); // (B, N, C)
            h = g.Op("Add", [h, Linear(o, prefix + "attn.proj")]);
            h = g.Op("Add", [h, FeedForward(Norm(h, prefix + "normFf"), prefix + "ff.")]);
            h = Linear(h, prefix + "projOut");
            return g.Op("Add", [x, ToMaps(h, level, width)]);
        }

        /// <summary>(B·T, C, h, w) → (B, N, C), frame-major tokens.</summary>
        string ToTokens(string maps, Level level, long width) =>
            Reshape(g.Op("Transpose", [Reshape(maps, -1, frames, width, level.Height, level.Width)], ("perm", new long[] { 0, 1, 3, 4, 2 })), -1, level.Tokens(frames), width);

        /// <summary>(B, N, C) → (B·T, C, h, w).</summary>
        string ToMaps(string tokens, Level level, long width) =>
            Reshape(g.Op("Transpose", [Reshape(tokens, -1, frames, level.Height, level.Width, width)], ("perm", new long[] { 0, 1, 4, 2, 3 })), -1, width, level.Height, level.Width);

        long Width(string prefix) => weights[prefix + "projIn.bias"].shape[0];

        /// <summary>A 2D convolution with the weights named <paramref name="prefix"/>, "same" padding.</summary>
        string Conv(string x, string prefix, long kernel, long stride = 1)
        {
            long pad = kernel / 2;
            return g.Op("Conv", [x, g.Weight(prefix + "_w", weights[prefix + ".weight"]), g.Weight(prefix + "_b", weights[prefix + ".bias"])],
                ("kernel_shape", new[] { kernel, kernel }), ("strides", new[] { stride, stride }), ("pads", new[] { pad, pad, pad, pad }));
        }

        /// <summary>
        /// <see cref="ChannelGroupNorm"/>: (N, C, h, w) normalised over each group of C/G channels and all positions (biased
        /// variance, ε = 1e-6), then each channel's weight and bias. Written as instance normalisation over (N, G, C/G·h·w).
        /// </summary>
        string GroupNorm(string x, string prefix)
        {
            long groups = shape.NormGroups, channels = weights[prefix + ".weight"].shape[0];
            var grouped = g.Op("Reshape", [x, g.Ints(0, groups, -1)]); // (N, G, C/G·h·w)
            var normalised = g.Op("InstanceNormalization", [grouped, groupOnes, groupZeros], ("epsilon", 1e-6f));
            var maps = g.Op("Reshape", [normalised, g.Op("Shape", [x])]); // (N, C, h, w)
            using var scale = weights[prefix + ".weight"].view(channels, 1, 1);
            using var shift = weights[prefix + ".bias"].view(channels, 1, 1);
            return g.Op("Add", [g.Op("Mul", [maps, g.Weight(prefix + "_w", scale)]), g.Weight(prefix + "_b", shift)]);
        }

        /// <summary><see cref="Upsampler"/>'s nearest-neighbour doubling: each pixel to a 2×2 block, (N, C, h, w) → (N, C, 2h, 2w).</summary>
        string Upsample(string x, Level level)
        {
            var pixels = g.Op("Unsqueeze", [x, g.Ints(3, 5)]); // (N, C, h, 1, w, 1)
            var blocks = g.Op("Expand", [pixels, g.Ints(1, 1, 1, 2, 1, 2)]); // (N, C, h, 2, w, 2)
            return Reshape(blocks, 0, 0, 2 * level.Height, 2 * level.Width); // (N, C, 2h, 2w)
        }
    }
}
