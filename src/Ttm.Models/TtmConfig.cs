using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ttm.Models;

/// <summary>Which of the two TTM networks a config describes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelStage>))]
public enum ModelStage
{
    /// <summary>Stage 1, Image-to-Motion: [noisy trajectory ; s(0) ; x(0)] → mask trajectory ŝ.</summary>
    Motion,
    /// <summary>Stage 2, Motion-to-Video: [noisy video ; x(0) ; ŝ] → video x̂.</summary>
    Video,
}

/// <summary>Which of the paper's Table 3 rungs a Motion-to-Video network is, or Table 4's flow variant (either stage).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TtmVariant>))]
public enum TtmVariant
{
    /// <summary>TI2V baseline: no trajectory input; unmasked extra self- and cross-attention where the masked ones would be.</summary>
    Ti2v,
    /// <summary>Trajectory as input, no added attention layers.</summary>
    NoMask,
    /// <summary>Trajectory + masked cross-attention only.</summary>
    CrossOnly,
    /// <summary>Trajectory + masked self-attention only.</summary>
    SelfOnly,
    /// <summary>Trajectory + masked self- and cross-attention (the method; the default).</summary>
    Ttm,
    /// <summary>
    /// Table 4: motion as dense optical flow from the first frame (<see cref="MotionFlow"/>) instead of masks. Stage 1
    /// generates the flow from [s(0) ; x(0)] and c_motion; stage 2 reads it in place of ŝ, with no added layers
    /// (masked attention needs masks).
    /// </summary>
    Flow,
}

/// <summary>What the network's output means to the flow-matching sampler.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Prediction>))]
public enum Prediction
{
    /// <summary>The flow velocity u = x_data − noise (MovieGen's choice).</summary>
    Velocity,
    /// <summary>The clean sample x_data itself (easier for near-binary mask videos).</summary>
    Sample,
}

/// <summary>How self-attention spans the video tokens inside each backbone block.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AttentionLayout>))]
public enum AttentionLayout
{
    /// <summary>One attention over all frames × positions.</summary>
    Joint,
    /// <summary>Spatial attention within each frame, then temporal attention at each position (several times cheaper).</summary>
    Factorized,
}

/// <summary>
/// Size and shape of one TTM network (either stage). Field names are part of the shipped config.json.
/// </summary>
public sealed record TtmConfig
{
    public ModelStage Stage { get; init; } = ModelStage.Video;
    public int Frames { get; init; } = 8;
    public int Height { get; init; } = 32;
    public int Width { get; init; } = 32;
    public int PatchSize { get; init; } = 4;
    public int Hidden { get; init; } = 128;
    public int Depth { get; init; } = 6;
    public int Heads { get; init; } = 4;
    public double MlpRatio { get; init; } = 4.0;
    /// <summary>How many leading blocks receive the added masked layers (stage 2; K in the paper).</summary>
    public int MaskedBlocks { get; init; } = 3;
    /// <summary>Width of the text encoder's token states (all-MiniLM-L6-v2: 384).</summary>
    public int TextWidth { get; init; } = 384;
    /// <summary>Most objects a request may have; palette colours 1..MaxObjects.</summary>
    public int MaxObjects { get; init; } = 3;
    public AttentionLayout Attention { get; init; } = AttentionLayout.Factorized;
    public Prediction Prediction { get; init; } = Prediction.Sample;
    /// <summary>
    /// With sample prediction, add the first visual condition (stage 1: s(0); stage 2: x(0)), repeated over
    /// frames, to the network's output: a direct path from the first frame, so the network only learns what moves.
    /// </summary>
    public bool AnchorOnFirstFrame { get; init; } = true;
    public TtmVariant Variant { get; init; } = TtmVariant.Ttm;
    /// <summary>
    /// Stage 1 only: its first <see cref="MaskedBlocks"/> blocks also carry masked cross-attention to the local prompts,
    /// each object's prompt seen only by the tokens of its first-frame box in s(0), at every frame. A prompt then reaches
    /// its object by where the object starts, not by whether the colour word in c_motion is understood. Not in the
    /// paper (its stage 1 reads c_motion alone); off unless a config says so.
    /// </summary>
    public bool MotionReadsLocalPrompts { get; init; }

    /// <summary>Channels per pixel entering the patch embedding: the noisy target and its first-frame / trajectory conditions.</summary>
    public int InputChannels => Stage == ModelStage.Video && Variant == TtmVariant.Ti2v ? 6 : 9;

    /// <summary>Whether the first <see cref="MaskedBlocks"/> blocks carry the two added (masked or, for TI2V, unmasked) layers.</summary>
    [JsonIgnore]
    public bool AddsLayers => Stage == ModelStage.Video ? Variant is not (TtmVariant.NoMask or TtmVariant.Flow) : MotionReadsLocalPrompts && !MotionIsFlow;

    /// <summary>Whether block <paramref name="index"/> carries the two added layers.</summary>
    public bool HasAddedLayers(int index) => AddsLayers && index < MaskedBlocks;

    /// <summary>Whether the motion the stages pass is optical flow (<see cref="MotionFlow"/>) rather than a mask trajectory.</summary>
    [JsonIgnore]
    public bool MotionIsFlow => Variant == TtmVariant.Flow;

    /// <summary>
    /// Whether the output adds the first visual condition (see <see cref="AnchorOnFirstFrame"/>); never for a flow
    /// stage 1, whose first visual condition is s(0) while the flow it predicts starts at zero.
    /// </summary>
    [JsonIgnore]
    public bool AnchorsOnFirstFrame => Prediction == Prediction.Sample && AnchorOnFirstFrame && !(Stage == ModelStage.Motion && MotionIsFlow);

    /// <summary>Whether the added layers include masked self-attention (stage 2 only: stage 1's objects have no groups past s(0)).</summary>
    public bool MasksSelfAttention => Stage == ModelStage.Video && Variant is TtmVariant.Ttm or TtmVariant.SelfOnly;
    public bool MasksCrossAttention => Stage == ModelStage.Motion || Variant is TtmVariant.Ttm or TtmVariant.CrossOnly;

    public int TokensPerFrame => Height / PatchSize * (Width / PatchSize);
    public int Tokens => Frames * TokensPerFrame;
    public int HeadDim => Hidden / Heads;

    /// <summary>Named sizes, as DiT's DiT_models and nanoGPT's GPTConfig.</summary>
    public static IReadOnlyDictionary<string, TtmConfig> Sizes { get; } = new Dictionary<string, TtmConfig>
    {
        // Trains on 2 CPU cores: pixel-space 4×4 patches, 8 frames of 32×32, 512 tokens.
        ["tiny"] = new(),
        // A small GPU: 64×64, 16 frames, 2,048 tokens.
        ["small"] = new() { Frames = 16, Height = 64, Width = 64, Hidden = 384, Depth = 12, Heads = 6, MaskedBlocks = 4 },
        // A data-centre GPU: 128×128, 16 frames, joint attention over 4,096 tokens (use a latent encoder E above this).
        ["base"] = new()
        {
            Frames = 16, Height = 128, Width = 128, PatchSize = 4, Hidden = 768, Depth = 24, Heads = 12,
            MaskedBlocks = 6, Attention = AttentionLayout.Joint,
        },
    };

    public static TtmConfig Named(string name) =>
        Sizes.TryGetValue(name, out var config)
            ? config
            : throw new ArgumentException($"Unknown model size '{name}'; known sizes: {string.Join(", ", Sizes.Keys)}.", nameof(name));

    public void Validate()
    {
        if (Height % PatchSize != 0 || Width % PatchSize != 0)
            throw new ArgumentException($"Height {Height} and width {Width} must be multiples of the patch size {PatchSize}.");
        if (Hidden % Heads != 0)
            throw new ArgumentException($"Hidden width {Hidden} must divide into {Heads} heads.");
        if (HeadDim % 2 != 0)
            throw new ArgumentException($"Head width {HeadDim} must be even for rotary embeddings.");
        if (Stage == ModelStage.Motion && Variant is not (TtmVariant.Ttm or TtmVariant.Flow))
            throw new ArgumentException($"Variant {Variant} applies to the Motion-to-Video stage only.");
        if (MaskedBlocks < 0 || MaskedBlocks > Depth)
            throw new ArgumentException($"Masked blocks K = {MaskedBlocks} must lie in 0..{Depth}.");
        if (MaxObjects < 1 || MaxObjects > TrajectoryPalette.MaxColours)
            throw new ArgumentException($"MaxObjects {MaxObjects} must lie in 1..{TrajectoryPalette.MaxColours}.");
    }

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static TtmConfig FromJson(string json) =>
        JsonSerializer.Deserialize<TtmConfig>(json, JsonOptions) ?? throw new InvalidDataException("Empty model config.");
}
