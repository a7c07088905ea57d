namespace Ttm.Models.Onnx;

/// <summary>
/// Which part of <see cref="VideoDit.forward"/> an exported graph computes. A step cache (First-Block-Cache) runs the
/// forward in pieces: every row through <see cref="FirstBlock"/>, only the rows that do not skip through
/// <see cref="OtherBlocks"/>, then every row through <see cref="Unembed"/>.
/// </summary>
public enum ForwardPiece
{
    /// <summary>Embed, every block, unembed: the prediction.</summary>
    Whole,
    /// <summary>Embed and the first block: the embedded tokens and the first block's output, each (B, N, D).</summary>
    FirstBlock,
    /// <summary>The blocks after the first, from the first block's output (B, N, D) to the last block's.</summary>
    OtherBlocks,
    /// <summary>From the last block's output (B, N, D) to the prediction.</summary>
    Unembed,
}
