using Ttm.Models.Layers;
using static TorchSharp.torch;

namespace Ttm.Models.Unet;

/// <summary>What every U-Net layer reads besides its feature maps, computed once per forward pass.</summary>
public sealed record UnetContext(
    Tensor FrameEmbedding,              // (B·T, E) timestep + pooled prompt, each row's repeated over its frames
    Tensor Text,                        // (B, S, E') the prompt's token states
    Tensor TextVisible,                 // (B, 1, S) bool
    int Frames,
    IReadOnlyList<UnetGrid> Grids);     // per level (stride 2^level)

/// <summary>
/// One level's token grid: its rotary positions, and where the added layers read the trajectory, the token groups and
/// boxes pooled to this level's stride (null at levels without added layers).
/// </summary>
public sealed record UnetGrid(
    RotaryEmbedding3D Rope,
    Tensor? LocalText = null,           // (B, S', E') the local prompts' token states
    Tensor? LocalVisible = null,        // (B, N|1, S') bool: Eqs. 1-2's M (TI2V: every real local token)
    Tensor? TokenObjects = null);       // (B, N) int64 object per token (Eq. 3), null for unmasked added self-attention
