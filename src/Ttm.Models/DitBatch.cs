using static TorchSharp.torch;

namespace Ttm.Models;

/// <summary>
/// Everything one forward pass of either stage reads, for a batch of B independent requests (each row may
/// have its own image, prompts, masks and flow time). Video layout is (B, C, T, H, W) in [-1, 1]; N = T·h·w tokens.
/// </summary>
public sealed class DitBatch : IDisposable
{
    /// <summary>(B, 3, T, H, W) the noisy trajectory (stage 1) or noisy video (stage 2) at time t.</summary>
    public required Tensor Noisy { get; init; }
    /// <summary>(B,) the DiT's flow time (0 is pure noise, 1 is data), or the U-Net's diffusion timestep / 1000 (0 is data, near 1 noise).</summary>
    public required Tensor Time { get; init; }
    /// <summary>(B, Cv, T, H, W) visual conditions: [s(0) ; x(0)] for stage 1, [x(0) ; ŝ] for stage 2 (TI2V: [x(0)]); zeros when dropped.</summary>
    public required Tensor Visual { get; init; }
    /// <summary>(B, S, E) token states of c_motion (stage 1) or the global prompt c (stage 2).</summary>
    public required Tensor Text { get; init; }
    /// <summary>(B, S) bool: real text tokens.</summary>
    public required Tensor TextMask { get; init; }
    /// <summary>(B, S', E) concatenated token states of the local prompts c_local(1..L) (stage 2).</summary>
    public Tensor? LocalText { get; init; }
    /// <summary>(B, S') int64: which object (1..L) each local token describes; 0 for padding.</summary>
    public Tensor? LocalOwner { get; init; }
    /// <summary>(B, N) int64: object id per video token pooled from the trajectory (masked self-attention).</summary>
    public Tensor? TokenObjects { get; init; }
    /// <summary>(B, N, L) bool: token inside object l's box in its frame (masked cross-attention).</summary>
    public Tensor? TokenBoxes { get; init; }

    public long Size => Noisy.shape[0];

    /// <summary>(B, N, S') bool: Eq. 1-2's M, token i may attend to local token s iff i lies in the box of s's object.</summary>
    public Tensor LocalVisibility()
    {
        if (LocalText is null || LocalOwner is null || TokenBoxes is null)
            throw new InvalidOperationException("Masked cross-attention needs local prompts, their owners and the token boxes.");
        return Visibility(TokenBoxes, LocalOwner);
    }

    /// <summary>Eq. 1-2's M from token boxes at any token grid (the U-Net pools them to each level).</summary>
    /// <param name="tokenBoxes">(B, N, L) bool</param>
    /// <param name="localOwner">(B, S') int64 object (1..L) of each local token, 0 for padding</param>
    /// <returns>(B, N, S') bool</returns>
    public static Tensor Visibility(Tensor tokenBoxes, Tensor localOwner)
    {
        using var scope = NewDisposeScope();
        var (b, n) = (tokenBoxes.shape[0], tokenBoxes.shape[1]);
        var boxes = cat([zeros(b, n, 1, dtype: ScalarType.Bool, device: tokenBoxes.device), tokenBoxes], -1); // (B, N, L+1): owner 0 sees nothing
        var owner = localOwner.clamp(0, boxes.shape[2] - 1).unsqueeze(1).expand(b, n, localOwner.shape[1]); // (B, N, S')
        return boxes.gather(2, owner).MoveToOuterDisposeScope(); // (B, N, S')
    }

    /// <summary>(B, 1, S') bool: every real local token, for the TI2V baseline's unmasked extra cross-attention.</summary>
    public Tensor LocalTokensPresent() =>
        (LocalOwner ?? throw new InvalidOperationException("No local prompts in this batch.")).gt(0).unsqueeze(1);

    /// <summary>The batch rows <paramref name="rows"/> only, a batch of their own (new tensors, which it owns).</summary>
    /// <param name="rows">(B') int64 row indices</param>
    public DitBatch Rows(Tensor rows) => new()
    {
        Noisy = Noisy.index_select(0, rows),                    // (B', 3, T, H, W)
        Time = Time.index_select(0, rows),                      // (B',)
        Visual = Visual.index_select(0, rows),                  // (B', Cv, T, H, W)
        Text = Text.index_select(0, rows),                      // (B', S, E)
        TextMask = TextMask.index_select(0, rows),              // (B', S)
        LocalText = LocalText?.index_select(0, rows),           // (B', S', E)
        LocalOwner = LocalOwner?.index_select(0, rows),         // (B', S')
        TokenObjects = TokenObjects?.index_select(0, rows),     // (B', N)
        TokenBoxes = TokenBoxes?.index_select(0, rows),         // (B', N, L)
    };

    public void Dispose()
    {
        foreach (var t in new[] { Noisy, Time, Visual, Text, TextMask, LocalText, LocalOwner, TokenObjects, TokenBoxes })
            t?.Dispose();
    }
}
