using Ttm.Models.Layers;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Ttm.Models.Onnx;

/// <summary>
/// <see cref="VideoDit.forward"/> written out as an ONNX graph with the network's weights, operator for operator the
/// same computation (<see cref="VideoDit.Embed"/>, each <see cref="VideoDitBlock"/>, <see cref="VideoDit.Unembed"/>), for
/// ONNX Runtime. Batch rows, prompt tokens and local tokens are free dimensions. Attention is ONNX Runtime's fused
/// MultiHeadAttention and rotary positions its RotaryEmbedding (contrib operators: tokens stay (B, N, D), no head
/// transposes; masks become additive biases once per pass). Eq. 3 uses the dense N×N same-object bias; Eqs. 1-2's
/// visibility (B, N|1, S') is an input (<see cref="DitBatch.LocalVisibility"/>, computed beside the graph).
/// </summary>
public static class VideoDitGraph
{
    public const string Noisy = "noisy", Time = "time", Visual = "visual", Text = "text", TextMask = "text_mask";
    public const string LocalText = "local_text", LocalVisible = "local_visible", TokenObjects = "token_objects";
    /// <summary>A piece's tokens in: the previous piece's output (B, N, D).</summary>
    public const string Hidden = "hidden";
    public const string Prediction = "prediction";
    /// <summary><see cref="ForwardPiece.FirstBlock"/>'s patchified tokens before the first block (B, N, D).</summary>
    public const string Embedded = "embedded";
    /// <summary>The last block's output of a piece that ends in a block (B, N, D).</summary>
    public const string BlocksOut = "blocks_out";

    /// <summary>The serialized ONNX model of <paramref name="piece"/> of <paramref name="model"/>'s forward pass.</summary>
    public static byte[] Export(VideoDit model, ForwardPiece piece = ForwardPiece.Whole) => Export(model.Config, model.state_dict(), piece);

    /// <summary>The serialized ONNX model of <paramref name="piece"/> of the forward pass of a network with these weights (its state dict).</summary>
    public static byte[] Export(TtmConfig config, IDictionary<string, Tensor> weights, ForwardPiece piece) =>
        new Writer(new OnnxGraph(), config, weights).Build(piece);

    sealed class Writer(OnnxGraph graph, TtmConfig c, IDictionary<string, Tensor> state) : GraphLayers(graph, state)
    {
        readonly long d = c.Hidden, heads = c.Heads, n = c.Tokens, frames = c.Frames;
        readonly long s = c.TokensPerFrame, p = c.PatchSize, hp = c.Height / c.PatchSize, wp = c.Width / c.PatchSize;
        string ones = "", zeros = "";
        (string Cos, string Sin) rope;

        public byte[] Build(ForwardPiece piece)
        {
            bool embeds = piece is ForwardPiece.Whole or ForwardPiece.FirstBlock;
            bool unembeds = piece is ForwardPiece.Whole or ForwardPiece.Unembed;
            var (from, to) = piece switch
            {
                ForwardPiece.Whole => (0, c.Depth),
                ForwardPiece.FirstBlock => (0, 1),
                ForwardPiece.OtherBlocks => (1, c.Depth),
                _ => (0, 0),
            };
            bool readsLocals = c.AddsLayers && c.MaskedBlocks > 0 && Enumerable.Range(from, to - from).Any(c.HasAddedLayers);

            var noisy = embeds ? g.Input(Noisy, DataType.Float, "batch", 3, c.Frames, c.Height, c.Width) : null;
            var time = g.Input(Time, DataType.Float, "batch");
            int visualChannels = c.InputChannels - 3;
            var visual = embeds || (unembeds && c.AnchorsOnFirstFrame) ? g.Input(Visual, DataType.Float, "batch", visualChannels, c.Frames, c.Height, c.Width) : null;
            var text = g.Input(Text, DataType.Float, "batch", "text_tokens", c.TextWidth);
            var textMask = g.Input(TextMask, DataType.Bool, "batch", "text_tokens");
            string? localText = null, localVisible = null, tokenObjects = null;
            if (readsLocals)
            {
                localText = g.Input(LocalText, DataType.Float, "batch", "local_tokens", c.TextWidth);
                localVisible = g.Input(LocalVisible, DataType.Bool, "batch", "visible_rows", "local_tokens");
                if (c.MasksSelfAttention) tokenObjects = g.Input(TokenObjects, DataType.Int64, "batch", c.Tokens);
            }

            ones = g.Constant("ones", Enumerable.Repeat(1f, (int)d).ToArray(), d);
            zeros = g.Constant("zeros", new float[d], d);
            if (to > from)
            {
                using var positions = new RotaryEmbedding3D(c.HeadDim, c.Frames, (int)hp, (int)wp);
                rope = RotaryCaches(positions, "rope"); // (N, dh/2) each
            }

            // Embed: patchify [noisy ; visual] frame by frame, add the frame embedding; or the previous piece's tokens.
            var x = embeds ? Embed(noisy!, visual!) : g.Input(Hidden, DataType.Float, "batch", c.Tokens, c.Hidden); // (B, N, D)
            if (piece == ForwardPiece.FirstBlock)
            {
                g.Identity(x, Embedded);
                TokensOutput(Embedded);
            }

            // Conditioning: flow time plus the mean of the prompt's token states.
            var conditioning = g.Op("Add", [TimeEmbedding(time, "timeEmbed"), Linear(PooledText(text, textMask), "textPool")]); // (B, D)
            var silu = Silu(conditioning);

            if (to > from)
            {
                // Masks, once per pass: the prompt's, the local prompts' (Eqs. 1-2), Eq. 3's same-object bias (B, 1, N, N).
                var textVisible = Visible(g.Op("Unsqueeze", [textMask, g.Ints(1)]), n); // from (B, 1, S)
                var localVisibility = localVisible is null ? null : Visible(localVisible, n);
                var sameObject = tokenObjects is null ? null : SameObjectBias(tokenObjects);
                for (int i = from; i < to; i++)
                    x = Block(x, $"blocks.{i}.", c.HasAddedLayers(i), silu, text, textVisible, localText, localVisibility, sameObject);
            }
            if (!unembeds)
            {
                g.Identity(x, BlocksOut);
                TokensOutput(BlocksOut);
                return g.ToModel("TtmCluster");
            }

            // Unembed: final adaLN, per-token pixels, unpatchify.
            var shiftScale = Chunks(Linear(silu, "finalAdaLN"), 2); // 2 × (B, 1, D)
            var y = Linear(Modulate(PlainNorm(x), shiftScale[0], shiftScale[1]), "finalLinear"); // (B, N, p·p·3)
            y = Reshape(g.Op("Transpose", [Reshape(y, -1, frames, hp, wp, p, p, 3)], ("perm", new long[] { 0, 6, 1, 2, 4, 3, 5 })),
                -1, 3, frames, c.Height, c.Width); // (B, 3, T, H, W)
            if (c.AnchorsOnFirstFrame)
                y = g.Op("Add", [y, g.Op("Slice", [visual!, g.Ints(0), g.Ints(3), g.Ints(1)])]);
            g.Identity(y, Prediction);
            g.Output(Prediction, DataType.Float, "batch", 3, c.Frames, c.Height, c.Width);
            return g.ToModel("TtmCluster");
        }

        /// <returns>(B, N, D) the patchified tokens of [noisy ; visual] with the frame embedding</returns>
        string Embed(string noisy, string visual)
        {
            var input = g.Op("Concat", [noisy, visual], ("axis", 1)); // (B, Cin, T, H, W)
            var perFrame = Reshape(g.Op("Transpose", [input], ("perm", new long[] { 0, 2, 1, 3, 4 })), -1, c.InputChannels, c.Height, c.Width); // (B·T, Cin, H, W)
            var patches = g.Op("Conv", [perFrame, g.Weight("patch_w", weights["patchEmbed.weight"]), g.Weight("patch_b", weights["patchEmbed.bias"])],
                ("kernel_shape", new[] { p, p }), ("strides", new[] { p, p })); // (B·T, D, hp, wp)
            var x = Reshape(g.Op("Transpose", [Reshape(patches, -1, d, s)], ("perm", new long[] { 0, 2, 1 })), -1, n, d); // (B, N, D)
            using var framePos = weights["framePos"].repeat_interleave(s, 0);
            return g.Op("Add", [x, g.Weight("frame_pos", framePos)]); // (B, N, D)
        }

        /// <summary>A graph output of (B, N, D) tokens.</summary>
        void TokensOutput(string name) => g.Output(name, DataType.Float, "batch", c.Tokens, c.Hidden);

        string Block(string x, string prefix, bool added, string silu, string text, Visibility textVisible,
            string? localText, Visibility? localVisible, string? sameObject)
        {
            bool factorized = c.Attention == AttentionLayout.Factorized;
            var m = Chunks(Linear(silu, prefix + "adaLN"), factorized ? 9 : 6); // modulations × (B, 1, D)
            var span = factorized ? AttentionSpan.Spatial : AttentionSpan.Joint;
            x = g.Op("Add", [x, g.Op("Mul", [m[2], SelfAttention(Modulate(PlainNorm(x), m[0], m[1]), prefix + "attn.", span)])]);
            if (factorized)
                x = g.Op("Add", [x, g.Op("Mul", [m[8], SelfAttention(Modulate(PlainNorm(x), m[6], m[7]), prefix + "temporalAttn.", AttentionSpan.Temporal)])]);

            if (added && weights.ContainsKey(prefix + "gateAddedSelf"))
            {
                var (q, k, v) = Project(Norm(x, prefix + "normAddedSelf"), prefix + "addedSelf.attn.", d, heads, rope); // (B, N, D)
                var o = Linear(Attention(q, k, v, sameObject, heads), prefix + "addedSelf.attn.proj"); // (B, N, D)
                x = g.Op("Add", [x, g.Op("Mul", [Gate(prefix + "gateAddedSelf"), o])]); // Eq. 3
            }
            if (added && weights.ContainsKey(prefix + "gateAddedCross"))
            {
                var o = CrossAttention(Norm(x, prefix + "normAddedCross"), localText!, localVisible!, prefix + "addedCross.", d, heads);
                x = g.Op("Add", [x, g.Op("Mul", [Gate(prefix + "gateAddedCross"), o])]); // Eqs. 1-2
            }

            x = g.Op("Add", [x, CrossAttention(Norm(x, prefix + "normCross"), text, textVisible, prefix + "cross.", d, heads)]);
            var h = FeedForward(Modulate(PlainNorm(x), m[3], m[4]), prefix);
            return g.Op("Add", [x, g.Op("Mul", [m[5], h])]); // (B, N, D)
        }

        string SelfAttention(string x, string prefix, AttentionSpan span)
        {
            var (q, k, v) = Project(x, prefix, d, heads, rope); // (B, N, D)
            string o;
            switch (span)
            {
                case AttentionSpan.Joint:
                    o = Attention(q, k, v, null, heads);
                    break;
                case AttentionSpan.Spatial:
                    string ToFrames(string t) => Reshape(t, -1, s, d); // (B·T, S, D): frame-major tokens
                    o = Reshape(Attention(ToFrames(q), ToFrames(k), ToFrames(v), null, heads), -1, n, d);
                    break;
                case AttentionSpan.Temporal:
                    string ToPositions(string t) => Reshape(g.Op("Transpose", [Reshape(t, -1, frames, s, d)], ("perm", new long[] { 0, 2, 1, 3 })), -1, frames, d); // (B·S, T, D)
                    o = Attention(ToPositions(q), ToPositions(k), ToPositions(v), null, heads);
                    o = Reshape(g.Op("Transpose", [Reshape(o, -1, s, frames, d)], ("perm", new long[] { 0, 2, 1, 3 })), -1, n, d);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(span));
            }
            return Linear(o, prefix + "proj");
        }

        /// <summary>Layer normalisation without affine weights (adaLN modulates after it).</summary>
        string PlainNorm(string x) => LayerNorm(x, ones, zeros);

        string Modulate(string x, string shift, string scale) => g.Op("Add", [g.Op("Mul", [x, g.Op("Add", [One, scale])]), shift]);

        /// <summary>(B, k·D) → k × (B, 1, D), as torch's chunk then unsqueeze(1).</summary>
        string[] Chunks(string x, int k) =>
            g.Ops("Split", [g.Op("Unsqueeze", [x, g.Ints(1)]), g.Ints(Enumerable.Repeat(d, k).ToArray())], k, [("axis", 2)]);
    }
}
