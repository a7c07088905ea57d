using Ttm.Models.Sampling;
using static TorchSharp.torch;

namespace Ttm.Models.Generation;

/// <summary>What one generation asks of the two networks (the plan and s(0) already made).</summary>
public sealed record GenerationInput(
    Tensor FirstFrame,                  // (1, 3, H, W) x(0) in [-1, 1]
    Tensor FirstMasks,                  // (1, 3, H, W) s(0) painted with the trajectory palette, objects in plan order
    string Prompt,                      // c
    string MotionPrompt,                // c_motion
    IReadOnlyList<string> LocalPrompts, // c_local(1..L)
    SamplingOptions Motion,
    SamplingOptions Video,
    MotionPaths? Paths = null,          // objects the user dragged: drawn instead of (or over) stage 1's trajectory
    Tensor? Trajectory = null);         // (1, 3, T, H, W) ŝ already made (a reviewed one): stage 1 not run, the paths drawn over it
