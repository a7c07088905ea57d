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

/// <summary>What the network's output means to its sampler.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Prediction>))]
public enum Prediction
{
    /// <summary>The flow velocity u = x_data − noise (MovieGen's choice; DiT).</summary>
    Velocity,
    /// <summary>The clean sample x_data itself (easier for near-binary mask videos; DiT).</summary>
    Sample,
    /// <summary>
    /// Diffusion's v = √ᾱ_t·ε − √(1 − ᾱ_t)·x_0 (Salimans and Ho 2022), which DDIM turns back into x̂_0 and ε̂ (the U-Net,
    /// as the paper trains it; <see cref="Sampling.DiffusionSchedule"/>).
    /// </summary>
    V,
}

/// <summary>Which network family a config builds; the paper demonstrates TTM on both.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Backbone>))]
public enum Backbone
{
    /// <summary><see cref="VideoDit"/>: flow matching, Euler steps (<see cref="Sampling.FlowSampler"/>).</summary>
    Dit,
    /// <summary><see cref="VideoUnet"/>: DDIM, v-prediction, zero terminal SNR (<see cref="Sampling.DdimSampler"/>).</summary>
    Unet,
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
    /// <summary>Which network the config builds; absent from older config.json files, which are all DiTs.</summary>
    public Backbone Backbone { get; init; } = Backbone.Dit;
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

    /// <summary>The U-Net's levels and widths (<see cref="Backbone.Unet"/> only; the DiT's are <see cref="Hidden"/>, <see cref="Depth"/>, <see cref="Heads"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public UnetShape? Unet { get; init; }

    /// <summary>
    /// U-Net only: the diffusion schedule's betas are rescaled so that ᾱ at the last timestep is exactly 0 (Lin et al. 2024,
    /// "Common diffusion noise schedules and sample steps are flawed"), which the paper calls critically important for stage 1.
    /// False: the plain scaled-linear schedule (the ablation).
    /// </summary>
    public bool ZeroTerminalSnr { get; init; } = true;

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

    /// <summary>
    /// Whether the added layers include a self-attention (masked, or for TI2V unmasked): stage 2's TI2V, TTM and self-only
    /// rungs. Stage 1 never (its objects have no groups past s(0)).
    /// </summary>
    [JsonIgnore]
    public bool AddsSelfAttention => AddsLayers && Stage == ModelStage.Video && Variant is TtmVariant.Ti2v or TtmVariant.Ttm or TtmVariant.SelfOnly;

    /// <summary>Whether the added layers include a cross-attention to the local prompts: stage 2's TI2V, TTM and cross-only rungs; stage 1 reading local prompts.</summary>
    [JsonIgnore]
    public bool AddsLocalCrossAttention => AddsLayers && (Stage == ModelStage.Motion || Variant is TtmVariant.Ti2v or TtmVariant.Ttm or TtmVariant.CrossOnly);

    /// <summary>Whether the added layers include masked self-attention (stage 2 only: stage 1's objects have no groups past s(0)).</summary>
    public bool MasksSelfAttention => Stage == ModelStage.Video && Variant is TtmVariant.Ttm or TtmVariant.SelfOnly;
    public bool MasksCrossAttention => Stage == ModelStage.Motion || Variant is TtmVariant.Ttm or TtmVariant.CrossOnly;

    /// <summary>
    /// Video tokens per frame at the resolution the trajectory's token groups and boxes are pooled to: the DiT's patches,
    /// the U-Net's first attention level (stride <see cref="PatchSize"/>).
    /// </summary>
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
    }.AsReadOnly();

    /// <summary>
    /// The U-Net's named sizes. <see cref="PatchSize"/> is the stride of its first attention level (where the trajectory's
    /// token groups and boxes are pooled); <see cref="MaskedBlocks"/> covers every encoder spatial transformer, as the paper's
    /// K = 6 does. Pixel space (E is the identity) at these sizes, like the DiT.
    /// </summary>
    public static IReadOnlyDictionary<string, TtmConfig> UnetSizes { get; } = new Dictionary<string, TtmConfig>
    {
        // Trains on one CPU core (~2.5 s a step of 8 cases): 8 frames of 32×32; levels of 16, 32, 64, 64 channels at 32, 16, 8, 4
        // pixels; attention at 8×8 and 4×4.
        ["tiny"] = new() { Backbone = Backbone.Unet, Prediction = Prediction.V, Unet = new UnetShape { Channels = 16, ChannelMultipliers = [1, 2, 4, 4], HeadWidth = 16 }, MaskedBlocks = 2 },
        // A small GPU: 16 frames of 64×64; attention at 16×16 and 8×8, two layers per level.
        ["small"] = new()
        {
            Backbone = Backbone.Unet, Prediction = Prediction.V, Frames = 16, Height = 64, Width = 64, MaskedBlocks = 4,
            Unet = new UnetShape { Channels = 64, LayersPerLevel = 2, HeadWidth = 32, NormGroups = 32 },
        },
        // A data-centre GPU: 16 frames of 128×128; attention at 32×32, 16×16 and 8×8, K = 6 encoder spatial blocks as in the paper.
        ["base"] = new()
        {
            Backbone = Backbone.Unet, Prediction = Prediction.V, Frames = 16, Height = 128, Width = 128, MaskedBlocks = 6,
            Unet = new UnetShape { Channels = 128, ChannelMultipliers = [1, 1, 2, 4, 4], LayersPerLevel = 2, HeadWidth = 64, NormGroups = 32 },
        },
    }.AsReadOnly();

    public static TtmConfig Named(string name, Backbone backbone = Backbone.Dit)
    {
        var sizes = backbone == Backbone.Unet ? UnetSizes : Sizes;
        return sizes.TryGetValue(name, out var config)
            ? config
            : throw new ArgumentException($"Unknown {backbone} size '{name}'; known sizes: {string.Join(", ", sizes.Keys)}.", nameof(name));
    }

    public void Validate()
    {
        if (Backbone == Backbone.Unet)
        {
            ValidateUnet();
            return;
        }
        if (Prediction == Prediction.V)
            throw new ArgumentException("The DiT is a flow-matching network: its prediction is Velocity or Sample, not V.");
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

    void ValidateUnet()
    {
        var shape = UnetShape;
        int levels = shape.ChannelMultipliers.Count, stride = 1 << (levels - 1);
        if (Prediction != Prediction.V)
            throw new ArgumentException($"The U-Net predicts v for DDIM; prediction {Prediction} is the DiT's.");
        if (levels < 1 || shape.Channels < 1 || shape.LayersPerLevel < 1)
            throw new ArgumentException("The U-Net needs at least one level, one channel and one layer per level.");
        if (Height % stride != 0 || Width % stride != 0)
            throw new ArgumentException($"Height {Height} and width {Width} must be multiples of the deepest level's stride {stride}.");
        if (!System.Numerics.BitOperations.IsPow2(PatchSize) || PatchSize > stride)
            throw new ArgumentException($"The first attention level's stride (patch size) {PatchSize} must be a power of two no larger than {stride}.");
        foreach (int channels in shape.ChannelMultipliers.Select(m => m * shape.Channels))
        {
            if (channels % shape.NormGroups != 0)
                throw new ArgumentException($"Level width {channels} must divide into {shape.NormGroups} normalisation groups.");
            if (channels % shape.HeadWidth != 0 || shape.HeadWidth % 2 != 0)
                throw new ArgumentException($"Level width {channels} must divide into heads of width {shape.HeadWidth} (even, for rotary embeddings).");
        }
        if (Stage == ModelStage.Motion && Variant is not (TtmVariant.Ttm or TtmVariant.Flow))
            throw new ArgumentException($"Variant {Variant} applies to the Motion-to-Video stage only.");
        int encoderTransformers = UnetEncoderTransformers;
        if (MaskedBlocks < 0 || MaskedBlocks > encoderTransformers)
            throw new ArgumentException($"Masked blocks K = {MaskedBlocks} must lie in 0..{encoderTransformers}, the U-Net's encoder spatial transformers.");
        if (MaxObjects < 1 || MaxObjects > TrajectoryPalette.MaxColours)
            throw new ArgumentException($"MaxObjects {MaxObjects} must lie in 1..{TrajectoryPalette.MaxColours}.");
    }

    /// <summary>The U-Net's shape: <see cref="Unet"/>, or the defaults (tiny's) when a config leaves it out.</summary>
    [JsonIgnore]
    public UnetShape UnetShape => Unet ?? new UnetShape();

    /// <summary>Whether U-Net level <paramref name="level"/> (stride 2^level) carries spatial transformers: from stride <see cref="PatchSize"/> down.</summary>
    public bool UnetAttends(int level) => 1 << level >= PatchSize;

    /// <summary>How many spatial transformers the U-Net's encoder has (the paper's K counts these).</summary>
    [JsonIgnore]
    public int UnetEncoderTransformers =>
        Enumerable.Range(0, UnetShape.ChannelMultipliers.Count).Count(UnetAttends) * UnetShape.LayersPerLevel;

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static TtmConfig FromJson(string json) =>
        JsonSerializer.Deserialize<TtmConfig>(json, JsonOptions) ?? throw new InvalidDataException("Empty model config.");
}

/// <summary>
/// The video U-Net's levels: level ℓ works at stride 2^ℓ with <see cref="Channels"/> × multiplier ℓ channels and
/// <see cref="LayersPerLevel"/> ResNet layers (the decoder one more, for the extra skip); levels from stride
/// <see cref="TtmConfig.PatchSize"/> down also carry spatial transformers. Every layer carries a temporal motion module.
/// </summary>
public sealed record UnetShape
{
    public int Channels { get; init; } = 32;
    public IReadOnlyList<int> ChannelMultipliers { get; init; } = [1, 2, 2, 3];
    public int LayersPerLevel { get; init; } = 1;
    /// <summary>Width of one attention head; a level has channels / HeadWidth heads.</summary>
    public int HeadWidth { get; init; } = 32;
    public int NormGroups { get; init; } = 8;
    /// <summary>Feed-forward width over channels in the spatial transformers and motion modules.</summary>
    public double FeedForwardRatio { get; init; } = 2.0;

    public int LevelChannels(int level) => Channels * ChannelMultipliers[level];

    // Value equality over the multipliers too (a config read back from JSON equals the one written).
    public bool Equals(UnetShape? other) => other is not null && Channels == other.Channels && LayersPerLevel == other.LayersPerLevel
        && HeadWidth == other.HeadWidth && NormGroups == other.NormGroups && FeedForwardRatio == other.FeedForwardRatio
        && ChannelMultipliers.SequenceEqual(other.ChannelMultipliers);

    public override int GetHashCode() => HashCode.Combine(Channels, LayersPerLevel, HeadWidth, NormGroups, FeedForwardRatio, ChannelMultipliers.Count);
}
