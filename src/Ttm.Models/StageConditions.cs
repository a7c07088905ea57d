using Ttm.Models.Text;
using static TorchSharp.torch;

namespace Ttm.Models;

/// <summary>
/// The conditions of one request to one stage, grouped as the two guidance groups of the paper:
/// visual V (first-frame conditions, and for stage 2 the trajectory with the token groups and boxes it
/// implies) and text T (the prompt, and for stage 2 the local prompts). Tensors carry a leading batch of 1.
/// </summary>
public sealed class StageConditions : IDisposable
{
    /// <summary>(1, Cv, T, H, W)</summary>
    public required Tensor Visual { get; init; }
    public required TextEmbedding Text { get; init; }
    /// <summary>c_local(1..L) in object order (stage 2), else empty.</summary>
    public IReadOnlyList<TextEmbedding> LocalTexts { get; init; } = [];
    /// <summary>(1, N) int64 object id per token (stage 2).</summary>
    public Tensor? TokenObjects { get; init; }
    /// <summary>(1, N, L) bool token inside object l's box (stage 2).</summary>
    public Tensor? TokenBoxes { get; init; }

    public bool HasVisual { get; init; } = true;
    public bool HasText { get; init; } = true;

    /// <summary>
    /// Stage 1: V = [s(0) ; x(0)] repeated over frames; T = c_motion, and where the network reads them
    /// (<see cref="TtmConfig.MotionReadsLocalPrompts"/>) c_local with the token groups and boxes of s(0) at every frame.
    /// </summary>
    /// <param name="firstMasks">(1, 3, H, W) s(0) painted with the trajectory palette</param>
    /// <param name="firstFrame">(1, 3, H, W) x(0) in [-1, 1]</param>
    /// <param name="localPrompts">c_local(1..L) in object order; required when the network reads them, else ignored</param>
    public static StageConditions ForMotion(TtmConfig config, Tensor firstMasks, Tensor firstFrame, TextEmbedding motionPrompt,
        IReadOnlyList<TextEmbedding>? localPrompts = null)
    {
        using var scope = NewDisposeScope();
        var visual = cat([firstMasks, firstFrame], 1).unsqueeze(2).expand(-1, -1, config.Frames, -1, -1).contiguous(); // (1, 6, T, H, W)
        if (!config.MotionReadsLocalPrompts)
            return new StageConditions { Visual = visual.MoveToOuterDisposeScope(), Text = motionPrompt };
        if (localPrompts is null || localPrompts.Count == 0)
            throw new ArgumentException("This stage 1 reads each object's local prompt; none were given.", nameof(localPrompts));
        var labels = TrajectoryPalette.Read(visual.narrow(1, 0, 3), localPrompts.Count); // (1, T, H, W): s(0) at every frame
        return Placed(visual, motionPrompt, localPrompts, labels, config.PatchSize);
    }

    /// <summary>
    /// Stage 2: V = [x(0) repeated ; ŝ] (TI2V: x(0) only); T = c and c_local; token groups and boxes read from ŝ.
    /// The flow variant reads V = [x(0) repeated ; flow] and has no token groups (nothing reads them).
    /// </summary>
    /// <param name="firstFrame">(1, 3, H, W) x(0)</param>
    /// <param name="trajectory">(1, 3, T, H, W) ŝ, or the flow for <see cref="TtmVariant.Flow"/> (generated or true)</param>
    public static StageConditions ForVideo(TtmConfig config, Tensor firstFrame, Tensor trajectory,
        TextEmbedding prompt, IReadOnlyList<TextEmbedding> localPrompts)
    {
        using var scope = NewDisposeScope();
        int objects = localPrompts.Count;
        var first = firstFrame.unsqueeze(2).expand(-1, -1, config.Frames, -1, -1); // (1, 3, T, H, W)
        if (config.MotionIsFlow)
            return new StageConditions { Visual = cat([first, trajectory], 1).MoveToOuterDisposeScope(), Text = prompt, LocalTexts = localPrompts }; // (1, 6, T, H, W)
        // Identity is read back from ŝ by nearest palette colour; stage 2 sees the clean trajectory those
        // labels paint (what it was trained on), not the generated colours in between.
        var labels = TrajectoryPalette.Read(trajectory, objects); // (1, T, H, W)
        var clean = TrajectoryPalette.Paint(labels); // (1, 3, T, H, W)
        var visual = config.Variant == TtmVariant.Ti2v ? first.contiguous() : cat([first, clean], 1); // (1, 6|3, T, H, W)
        return Placed(visual, prompt, localPrompts, labels, config.PatchSize);
    }

    /// <summary>Conditions whose local prompts are placed by <paramref name="labels"/> (1, T, H, W): each token's object and boxes.</summary>
    static StageConditions Placed(Tensor visual, TextEmbedding prompt, IReadOnlyList<TextEmbedding> localPrompts, Tensor labels, int patchSize) => new()
    {
        Visual = visual.MoveToOuterDisposeScope(),
        Text = prompt,
        LocalTexts = localPrompts,
        TokenObjects = TrajectoryPalette.PoolToTokens(labels, localPrompts.Count, patchSize).MoveToOuterDisposeScope(),
        TokenBoxes = TrajectoryPalette.BoxTokens(labels, localPrompts.Count, patchSize).MoveToOuterDisposeScope(),
    };

    /// <summary>Classifier-free guidance's dropped groups (shares tensors with this instance; do not dispose the view).</summary>
    public StageConditions Without(bool visual, bool text) => new()
    {
        Visual = Visual,
        Text = Text,
        LocalTexts = LocalTexts,
        TokenObjects = TokenObjects,
        TokenBoxes = TokenBoxes,
        HasVisual = HasVisual && !visual,
        HasText = HasText && !text,
    };

    public void Dispose()
    {
        Visual.Dispose();
        TokenObjects?.Dispose();
        TokenBoxes?.Dispose();
    }

    /// <summary>
    /// Stacks rows into one <see cref="DitBatch"/>: text padded to the longest prompt, local prompts to the
    /// longest concatenation, boxes to the most objects. A dropped V zeroes the visual channels and puts every
    /// token in one group with no boxes; a dropped T is one zero token and no local prompts.
    /// </summary>
    /// <param name="noisy">(B, 3, T, H, W)</param>
    /// <param name="time">(B,)</param>
    public static DitBatch Collate(IReadOnlyList<StageConditions> rows, Tensor noisy, Tensor time, int textWidth)
    {
        using var scope = NewDisposeScope();
        var device = noisy.device;
        int b = rows.Count;
        var texts = rows.Select(r => r.HasText ? r.Text : TextEmbedding.Null(textWidth)).ToList();
        var (text, textMask) = PadTokens(texts.Select(t => (t, 0)).ToList(), textWidth, device);

        var visual = stack(rows.Select(r => r.HasVisual ? r.Visual.squeeze(0) : zeros_like(r.Visual.squeeze(0))).ToArray()).to(device);

        Tensor? localText = null, localOwner = null, tokenObjects = null, tokenBoxes = null;
        if (rows[0].TokenObjects is not null)
        {
            var locals = rows.Select(r => r.HasText && r.LocalTexts.Count > 0
                ? r.LocalTexts.Select((t, i) => (t, i + 1)).ToList()
                : [(TextEmbedding.Null(textWidth), 0)]).ToList();
            (localText, localOwner) = PadLocalTokens(locals, textWidth, device);
            tokenObjects = stack(rows.Select(r => r.HasVisual ? r.TokenObjects!.squeeze(0) : zeros_like(r.TokenObjects!.squeeze(0))).ToArray()).to(device);
            long maxObjects = Math.Max(1, rows.Max(r => r.TokenBoxes!.shape[2]));
            tokenBoxes = stack(rows.Select(r =>
            {
                var boxes = r.TokenBoxes!.squeeze(0); // (N, L)
                var padded = nn.functional.pad(boxes.to(ScalarType.Float32), [0, maxObjects - boxes.shape[1]]) > 0.5f;
                return r.HasVisual ? padded : zeros_like(padded);
            }).ToArray()).to(device);
        }

        return new DitBatch
        {
            Noisy = noisy.alias().MoveToOuterDisposeScope(),
            Time = time.to(device).MoveToOuterDisposeScope(),
            Visual = visual.MoveToOuterDisposeScope(),
            Text = text.MoveToOuterDisposeScope(),
            TextMask = textMask.MoveToOuterDisposeScope(),
            LocalText = localText?.MoveToOuterDisposeScope(),
            LocalOwner = localOwner?.MoveToOuterDisposeScope(),
            TokenObjects = tokenObjects?.MoveToOuterDisposeScope(),
            TokenBoxes = tokenBoxes?.MoveToOuterDisposeScope(),
        };
    }

    static (Tensor States, Tensor Mask) PadTokens(List<(TextEmbedding Text, int Owner)> rows, int width, Device device)
    {
        var (states, owners) = PadLocalTokens(rows.Select(r => new List<(TextEmbedding, int)> { (r.Text, 1) }).ToList(), width, device);
        return (states, owners.gt(0));
    }

    /// <returns>(B, S, E) states and (B, S) int64 owner per token (0 = padding)</returns>
    static (Tensor States, Tensor Owner) PadLocalTokens(List<List<(TextEmbedding Text, int Owner)>> rows, int width, Device device)
    {
        int b = rows.Count;
        int s = rows.Max(r => r.Sum(t => t.Text.Length));
        var states = new float[b * s * width];
        var owners = new long[b * s];
        for (int i = 0; i < b; i++)
        {
            int offset = 0;
            foreach (var (text, owner) in rows[i])
            {
                Array.Copy(text.States, 0, states, (i * s + offset) * width, text.Length * width);
                for (int j = 0; j < text.Length; j++) owners[i * s + offset + j] = owner;
                offset += text.Length;
            }
        }
        return (tensor(states, [b, s, width], device: device), tensor(owners, [b, s], device: device));
    }
}
