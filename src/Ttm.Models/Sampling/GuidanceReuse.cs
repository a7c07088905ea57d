using static TorchSharp.torch;

namespace Ttm.Models.Sampling;

/// <summary>
/// Adaptive classifier-free guidance: once a request's guidance term C = x̃ − ε(V,T) (what the unconditional and
/// visual-only rows add to the full row) has settled, the next steps run the full row alone and add the cached C:
/// x̃ ≈ ε(V,T) + C with C = (s_V − 1)(ε(V,∅) − ε(∅,∅)) + (s_T − 1)(ε(V,T) − ε(V,∅)), one row of the batched pass
/// instead of three. "Settled": C changed by less than <see cref="Threshold"/> (relative L1) between the request's
/// last two three-row steps. The first <see cref="FullFirstSteps"/> steps and the last always run all three rows,
/// and at most <see cref="MaxReusesInARow"/> steps in a row reuse C.
/// </summary>
public sealed record GuidanceReuse(float Threshold, int MaxReusesInARow, int FullFirstSteps)
{
    public static GuidanceReuse Off { get; } = new(0f, 0, 0);

    public bool IsOff => Threshold <= 0f || MaxReusesInARow <= 0;

    /// <summary>Whether step <paramref name="step"/> (0-based) of a <paramref name="steps"/>-step run may reuse C, given what the request kept.</summary>
    internal bool MayReuse(int step, int steps, Term kept) =>
        !IsOff && step >= FullFirstSteps && step < steps - 1 && kept.Settled(Threshold) && kept.ReusesInARow < MaxReusesInARow;

    /// <summary>A request's guidance term from its last three-row step; owned by the request, outside every dispose scope.</summary>
    internal sealed class Term : IDisposable
    {
        /// <summary>(1, 3, T, H, W) C at the last three-row step.</summary>
        public Tensor? Value { get; private set; }
        /// <summary>The relative L1 change of C between the last two three-row steps (NaN before there were two).</summary>
        public float LastChange { get; private set; } = float.NaN;
        public int ReusesInARow { get; set; }

        public bool Settled(float threshold) => Value is not null && LastChange < threshold;

        /// <summary>Keeps <paramref name="term"/> (a three-row step's C) and measures how far it moved from the last one.</summary>
        public void Store(Tensor term)
        {
            using var scope = NewDisposeScope();
            LastChange = Value is null ? float.NaN : ((term - Value).abs().mean() / Value.abs().mean().clamp_min(1e-8f)).item<float>();
            Value?.Dispose();
            Value = term.clone().DetachFromDisposeScope();
            ReusesInARow = 0;
        }

        public void Dispose()
        {
            Value?.Dispose();
            Value = null;
        }
    }
}
