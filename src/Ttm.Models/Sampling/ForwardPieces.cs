using Ttm.Models.Onnx;
using static TorchSharp.torch;

namespace Ttm.Models.Sampling;

/// <summary>
/// One batch's forward pass in the three pieces a step cache runs (<see cref="FirstBlockCache"/>): embed and the first
/// block on every row, the other blocks on some rows, unembed on every row. On libtorch (the blocks of
/// <see cref="VideoDit"/>, one context for the pass) or on ONNX Runtime (<see cref="OnnxForward"/>'s piece graphs).
/// Tensors land in the caller's dispose scope.
/// </summary>
abstract class ForwardPieces
{
    public static ForwardPieces For(VideoDit model, OnnxForward? onnx, DitBatch batch) =>
        onnx is null ? new Libtorch(model, batch) : new OnnxRuntime(onnx, batch);

    /// <returns>the embedded tokens and the first block's output, each (R, N, D)</returns>
    public abstract (Tensor Embedded, Tensor First) FirstBlock();

    /// <param name="first">(R', N, D) the first block's output of rows <paramref name="rows"/> (every row when null)</param>
    /// <returns>(R', N, D) the last block's output</returns>
    public abstract Tensor OtherBlocks(Tensor first, Tensor? rows);

    /// <param name="hidden">(R, N, D) every row's last block output</param>
    /// <returns>(R, 3, T, H, W), as <see cref="VideoDit.forward"/></returns>
    public abstract Tensor Unembed(Tensor hidden);

    sealed class Libtorch(VideoDit model, DitBatch batch) : ForwardPieces
    {
        BlockContext? context;

        public override (Tensor Embedded, Tensor First) FirstBlock()
        {
            var (x0, embedded) = model.Embed(batch); // (R, N, D)
            context = embedded;
            return (x0, model.Blocks[0].forward(x0, embedded));
        }

        public override Tensor OtherBlocks(Tensor first, Tensor? rows)
        {
            var rowsContext = rows is null ? Context : Context.Rows(rows);
            var x = first;
            foreach (var block in model.Blocks.Skip(1))
                x = block.forward(x, rowsContext); // (R', N, D)
            return x;
        }

        public override Tensor Unembed(Tensor hidden) => model.Unembed(hidden, Context, batch);

        BlockContext Context => context ?? throw new InvalidOperationException("The first block runs first.");
    }

    sealed class OnnxRuntime(OnnxForward onnx, DitBatch batch) : ForwardPieces
    {
        public override (Tensor Embedded, Tensor First) FirstBlock() => onnx.FirstBlock(batch);

        public override Tensor OtherBlocks(Tensor first, Tensor? rows)
        {
            if (rows is null) return onnx.OtherBlocks(first, batch);
            using var part = batch.Rows(rows);
            return onnx.OtherBlocks(first, part);
        }

        public override Tensor Unembed(Tensor hidden) => onnx.Unembed(hidden, batch);
    }
}
