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

    sealed class Writer(OnnxGraph g, TtmConfig c, IDictionary<string, Tensor> weights)
    {
        readonly long d = c.Hidden, heads = c.Heads, dh = c.HeadDim, n = c.Tokens, frames = c.Frames;
        readonly long s = c.TokensPerFrame, p = c.PatchSize, hp = c.Height / c.PatchSize, wp = c.Width / c.PatchSize;
        string ones = "", zeros = "", one = "", zero = "", minusInfinity = "", ropeCos = "", ropeSin = "";

        /// <summary>A cross-attention mask as the fused attention reads it (<see cref="Visible"/>).</summary>
        sealed record Visibility(string Bias, string SeesAny);

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
            one = g.Constant("one", [1f]);
            if (to > from)
            {
                zero = g.Constant("zero", [0f]);
                minusInfinity = g.Constant("minus_infinity", [float.NegativeInfinity]);
                using var rope = new RotaryEmbedding3D(c.HeadDim, c.Frames, (int)hp, (int)wp);
                // The rotary operator's caches: one angle per pair, (N, dh/2) (the tables repeat each pair's cos and sign its sin).
                using var cosCache = rope.Tables.Cos.view(n, dh / 2, 2).select(2, 0);
                using var sinCache = rope.Tables.Sin.view(n, dh / 2, 2).select(2, 1);
                ropeCos = g.Weight("rope_cos", cosCache); // (N, dh/2)
                ropeSin = g.Weight("rope_sin", sinCache); // (N, dh/2)
            }

            // Embed: patchify [noisy ; visual] frame by frame, add the frame embedding; or the previous piece's tokens.
            var x = embeds ? Embed(noisy!, visual!) : g.Input(Hidden, DataType.Float, "batch", c.Tokens, c.Hidden); // (B, N, D)
            if (piece == ForwardPiece.FirstBlock)
            {
                g.Identity(x, Embedded);
                TokensOutput(Embedded);
            }

            // Conditioning: flow time plus the mean of the prompt's token states.
            var maskFloat = g.Op("Unsqueeze", [g.Op("Cast", [textMask], ("to", (long)DataType.Float)), g.Ints(-1)]); // (B, S, 1)
            var summed = g.Op("ReduceSum", [g.Op("Mul", [text, maskFloat]), g.Ints(1)], ("keepdims", 0)); // (B, E)
            var count = g.Op("Max", [g.Op("ReduceSum", [maskFloat, g.Ints(1)], ("keepdims", 0)), one]); // (B, 1)
            var pooled = g.Op("Div", [summed, count]); // (B, E)
            var conditioning = g.Op("Add", [TimeEmbedding(time), Linear(pooled, "textPool")]); // (B, D)
            var silu = Silu(conditioning);

            if (to > from)
            {
                // Masks, once per pass: the prompt's, the local prompts' (Eqs. 1-2), Eq. 3's same-object bias (B, 1, N, N).
                var textVisible = Visible(g.Op("Unsqueeze", [textMask, g.Ints(1)])); // from (B, 1, S)
                var localVisibility = localVisible is null ? null : Visible(localVisible);
                var sameObject = tokenObjects is null ? null
                    : Bias(g.Op("Unsqueeze", [g.Op("Equal", [g.Op("Unsqueeze", [tokenObjects, g.Ints(2)]), g.Op("Unsqueeze", [tokenObjects, g.Ints(1)])]), g.Ints(1)]));
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
            var y = Linear(Modulate(Norm(x, null), shiftScale[0], shiftScale[1]), "finalLinear"); // (B, N, p·p·3)
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
            x = g.Op("Add", [x, g.Op("Mul", [m[2], SelfAttention(Modulate(Norm(x, null), m[0], m[1]), prefix + "attn.", span)])]);
            if (factorized)
                x = g.Op("Add", [x, g.Op("Mul", [m[8], SelfAttention(Modulate(Norm(x, null), m[6], m[7]), prefix + "temporalAttn.", AttentionSpan.Temporal)])]);

            if (added && weights.ContainsKey(prefix + "gateAddedSelf"))
            {
                var (q, k, v) = Project(Norm(x, prefix + "normAddedSelf"), prefix + "addedSelf.attn."); // (B, N, D)
                var o = Linear(Attention(q, k, v, sameObject), prefix + "addedSelf.attn.proj"); // (B, N, D)
                x = g.Op("Add", [x, g.Op("Mul", [Gate(prefix + "gateAddedSelf"), o])]); // Eq. 3
            }
            if (added && weights.ContainsKey(prefix + "gateAddedCross"))
            {
                var o = CrossAttention(Norm(x, prefix + "normAddedCross"), localText!, localVisible!, prefix + "addedCross.");
                x = g.Op("Add", [x, g.Op("Mul", [Gate(prefix + "gateAddedCross"), o])]); // Eqs. 1-2
            }

            x = g.Op("Add", [x, CrossAttention(Norm(x, prefix + "normCross"), text, textVisible, prefix + "cross.")]);
            var h = Linear(g.Op("Gelu", [Linear(Modulate(Norm(x, null), m[3], m[4]), prefix + "fc1")]), prefix + "fc2");
            return g.Op("Add", [x, g.Op("Mul", [m[5], h])]); // (B, N, D)
        }

        /// <summary>Queries, keys (rotary applied: queries and keys as 2h heads in one call) and values, each (B, N, D).</summary>
        (string Q, string K, string V) Project(string x, string prefix)
        {
            var parts = g.Ops("Split", [Linear(x, prefix + "qkv"), g.Ints(2 * d, d)], 2, [("axis", 2)]); // (B, N, 2D), (B, N, D)
            var rotated = g.ContribOp("RotaryEmbedding", [parts[0], g.Ints(0), ropeCos, ropeSin], ("interleaved", 1L), ("num_heads", 2 * heads));
            var qk = g.Ops("Split", [rotated, g.Ints(d, d)], 2, [("axis", 2)]);
            return (qk[0], qk[1], parts[1]);
        }

        string SelfAttention(string x, string prefix, AttentionSpan span)
        {
            var (q, k, v) = Project(x, prefix); // (B, N, D)
            string o;
            switch (span)
            {
                case AttentionSpan.Joint:
                    o = Attention(q, k, v, null);
                    break;
                case AttentionSpan.Spatial:
                    string ToFrames(string t) => Reshape(t, -1, s, d); // (B·T, S, D): frame-major tokens
                    o = Reshape(Attention(ToFrames(q), ToFrames(k), ToFrames(v), null), -1, n, d);
                    break;
                case AttentionSpan.Temporal:
                    string ToPositions(string t) => Reshape(g.Op("Transpose", [Reshape(t, -1, frames, s, d)], ("perm", new long[] { 0, 2, 1, 3 })), -1, frames, d); // (B·S, T, D)
                    o = Attention(ToPositions(q), ToPositions(k), ToPositions(v), null);
                    o = Reshape(g.Op("Transpose", [Reshape(o, -1, s, frames, d)], ("perm", new long[] { 0, 2, 1, 3 })), -1, n, d);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(span));
            }
            return Linear(o, prefix + "proj");
        }

        /// <summary>Masked cross-attention (<see cref="Layers.CrossAttention"/>): rows that see no key add nothing.</summary>
        string CrossAttention(string x, string keysFrom, Visibility visible, string prefix)
        {
            var query = Linear(x, prefix + "q"); // (B, N, D)
            var keysValues = g.Ops("Split", [Linear(keysFrom, prefix + "kv"), g.Ints(d, d)], 2, [("axis", 2)]); // 2 × (B, S, D)
            var o = Linear(Attention(query, keysValues[0], keysValues[1], visible.Bias), prefix + "proj"); // (B, N, D)
            return g.Op("Mul", [o, visible.SeesAny]);
        }

        /// <summary>
        /// A cross-attention mask (B, N|1, S) as ONNX Runtime's fused attention reads it: an additive bias (B, 1, N, S), 0 or −∞,
        /// where a row that may see no key sees every key (as <see cref="Layers.CrossAttention"/>), and whether it sees any (B, N|1, 1).
        /// </summary>
        Visibility Visible(string visible)
        {
            var seesAny = g.Op("ReduceMax", [g.Op("Cast", [visible], ("to", (long)DataType.Float)), g.Ints(-1)], ("keepdims", 1)); // (B, N|1, 1)
            var seesNone = g.Op("Not", [g.Op("Cast", [seesAny], ("to", (long)DataType.Bool))]);
            var bias = Bias(g.Op("Unsqueeze", [g.Op("Or", [visible, seesNone]), g.Ints(1)])); // (B, 1, N|1, S)
            return new Visibility(g.Op("Expand", [bias, g.Ints(1, 1, n, 1)]), seesAny); // (B, 1, N, S)
        }

        /// <summary>0 where <paramref name="visible"/>, −∞ elsewhere.</summary>
        string Bias(string visible) => g.Op("Where", [visible, zero, minusInfinity]);

        /// <summary>ONNX Runtime's fused multi-head attention, softmax(q kᵀ / √dh + bias) v, on (B', L, D) tokens.</summary>
        string Attention(string q, string k, string v, string? bias) =>
            g.ContribOp("MultiHeadAttention", bias is null ? [q, k, v] : [q, k, v, "", "", bias], ("num_heads", heads));

        string TimeEmbedding(string time)
        {
            const int frequencies = 256;
            int half = frequencies / 2;
            using var freqs = exp(arange(half, dtype: ScalarType.Float32) * (-Math.Log(10000.0) / half)); // (F/2,), as TimestepEmbedder
            var args = g.Op("Mul", [g.Op("Unsqueeze", [g.Op("Mul", [time, g.Constant("thousand", [1000f])]), g.Ints(1)]), g.Weight("freqs", freqs)]); // (B, F/2)
            var features = g.Op("Concat", [g.Op("Cos", [args]), g.Op("Sin", [args])], ("axis", 1)); // (B, F)
            return Linear(Silu(Linear(features, "timeEmbed.fc1")), "timeEmbed.fc2");
        }

        string Linear(string x, string prefix)
        {
            using var transposed = weights[prefix + ".weight"].t();
            return g.Op("Add", [g.Op("MatMul", [x, g.Weight(prefix + "_wt", transposed)]), g.Weight(prefix + "_b", weights[prefix + ".bias"])]);
        }

        string Norm(string x, string? affine) => g.Op("LayerNormalization",
            [x, affine is null ? ones : g.Weight(affine + "_w", weights[affine + ".weight"]), affine is null ? zeros : g.Weight(affine + "_b", weights[affine + ".bias"])],
            ("axis", -1), ("epsilon", 1e-6f));

        string Modulate(string x, string shift, string scale) => g.Op("Add", [g.Op("Mul", [x, g.Op("Add", [one, scale])]), shift]);

        string Silu(string x) => g.Op("Mul", [x, g.Op("Sigmoid", [x])]);

        string Gate(string name)
        {
            using var gate = weights[name].tanh();
            return g.Weight(name, gate);
        }

        /// <summary>(B, k·D) → k × (B, 1, D), as torch's chunk then unsqueeze(1).</summary>
        string[] Chunks(string x, int k) =>
            g.Ops("Split", [g.Op("Unsqueeze", [x, g.Ints(1)]), g.Ints(Enumerable.Repeat(d, k).ToArray())], k, [("axis", 2)]);

        string Reshape(string x, params long[] shape) => g.Op("Reshape", [x, g.Ints(shape)]);
    }
}
