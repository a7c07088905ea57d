using static TorchSharp.torch;

namespace Ttm.Models.Sampling;

/// <summary>
/// Two-group classifier-free guidance (InstructPix2Pix style, paper §3):
/// ε̃ = ε(∅,∅) + s_V (ε(V,∅) − ε(∅,∅)) + s_T (ε(V,T) − ε(V,∅)).
/// </summary>
public sealed record GuidanceScales(float Visual, float Text)
{
    public static GuidanceScales Default { get; } = new(1.5f, 3.0f);

    /// <summary>s_V = s_T = 1 reduces the formula to ε(V,T): one row instead of three.</summary>
    public bool IsIdentity => Visual == 1f && Text == 1f;

    public Tensor Combine(Tensor unconditional, Tensor visualOnly, Tensor full) =>
        unconditional + Visual * (visualOnly - unconditional) + Text * (full - visualOnly);
}
