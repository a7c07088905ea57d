using static TorchSharp.torch;

namespace Ttm.Models.Sampling;

/// <summary>
/// One batched forward pass in which each request decides for itself whether to reuse its last full step
/// (<see cref="StepCachePolicy"/>): every row runs the first block; rows of requests that skip take the cached
/// residual of the other blocks, and only the rows of requests that do not skip go through the other blocks
/// (their own sub-batch). With no request skipping the pass computes exactly what <see cref="VideoDit.forward"/> does.
/// The pieces run on libtorch or ONNX Runtime (<see cref="ForwardPieces"/>), as the sampler's full passes do.
/// </summary>
static class FirstBlockCache
{
    /// <summary>A request's cached tensors, from its last full step; owned by the request, outside every dispose scope.</summary>
    internal sealed class Entry : IDisposable
    {
        /// <summary>(R, N, D) the first block's residual at the last full step, R the request's rows.</summary>
        public Tensor? FirstResidual { get; private set; }
        /// <summary>(R, N, D) what the other blocks added at the last full step.</summary>
        public Tensor? Residual { get; private set; }
        public int SkipsInARow { get; set; }
        /// <summary>The relative L1 change of the first block's residual at the last step it was measured (NaN before).</summary>
        public float LastChange { get; set; } = float.NaN;

        /// <summary>
        /// Whether the cache holds what a step of <paramref name="rows"/> rows needs: the same rows, or (a step whose
        /// guidance rows were dropped, <see cref="GuidanceReuse"/>) the full row alone, which is the last.
        /// </summary>
        public bool Fits(long rows) => FirstResidual is not null && FirstResidual.shape[0] >= rows;

        /// <summary>(rows, N, D) the last <paramref name="rows"/> rows of the cached first-block residual.</summary>
        public Tensor First(long rows) => Tail(FirstResidual!, rows);

        /// <summary>(rows, N, D) the last <paramref name="rows"/> rows of what the other blocks added.</summary>
        public Tensor Rest(long rows) => Tail(Residual!, rows);

        /// <summary>Keeps a full step's residuals; a step with fewer rows than kept refreshes the rows it has (the last).</summary>
        public void Store(Tensor firstResidual, Tensor residual)
        {
            long rows = firstResidual.shape[0];
            if (FirstResidual is not null && FirstResidual.shape[0] > rows)
            {
                First(rows).copy_(firstResidual);
                Rest(rows).copy_(residual);
                return;
            }
            Dispose();
            FirstResidual = firstResidual.clone().DetachFromDisposeScope();
            Residual = residual.clone().DetachFromDisposeScope();
        }

        static Tensor Tail(Tensor kept, long rows) => kept.narrow(0, kept.shape[0] - rows, rows);

        public void Dispose()
        {
            FirstResidual?.Dispose();
            Residual?.Dispose();
            (FirstResidual, Residual) = (null, null);
        }
    }

    /// <param name="rowCounts">how many consecutive rows of <paramref name="batch"/> each request owns (its guidance rows)</param>
    /// <returns>(R, 3, T, H, W) as <see cref="VideoDit.forward"/>, into the caller's dispose scope, and which requests skipped</returns>
    public static (Tensor Output, bool[] Skipped) Forward(ForwardPieces network, IReadOnlyList<SamplingRequest> requests, IReadOnlyList<int> rowCounts)
    {
        using var scope = NewDisposeScope();
        var (x0, x1) = network.FirstBlock(); // (R, N, D) each
        var first = x1 - x0; // (R, N, D) the first block's residual

        // 1. Each request decides from its own rows: skip when its first residual barely moved since its last full step.
        var skips = new bool[requests.Count];
        var fullRows = new List<long>();
        for (int i = 0, row = 0; i < requests.Count; row += rowCounts[i], i++)
        {
            var (r, entry, n) = (requests[i], requests[i].CacheEntry, rowCounts[i]);
            var policy = r.Options.StepCache;
            if (policy.MaySkip(r.Step, r.Options.Steps, entry.SkipsInARow) && entry.Fits(n))
            {
                var previous = entry.First(n);
                entry.LastChange = ((first.narrow(0, row, n) - previous).abs().mean() / previous.abs().mean().clamp_min(1e-8f)).item<float>();
                skips[i] = entry.LastChange < policy.Threshold;
            }
            if (!skips[i])
                for (int k = 0; k < n; k++) fullRows.Add(row + k);
        }

        // 2. The other blocks on the rows that did not skip, as their own batch.
        Tensor? rest = null; // (R', N, D) their output
        if (fullRows.Count > 0)
        {
            bool all = fullRows.Count == x1.shape[0];
            var index = all ? null : tensor(fullRows.ToArray(), device: x1.device); // (R',)
            rest = network.OtherBlocks(all ? x1 : x1.index_select(0, index!), index); // (R', N, D)
        }

        // 3. Every request's last hidden state; full steps refresh the cache of requests that use one.
        var pieces = new List<Tensor>(requests.Count);
        for (int i = 0, row = 0, fullRow = 0; i < requests.Count; row += rowCounts[i], i++)
        {
            var (r, entry, n) = (requests[i], requests[i].CacheEntry, rowCounts[i]);
            if (skips[i])
            {
                pieces.Add(x1.narrow(0, row, n) + entry.Rest(n)); // (n, N, D)
                entry.SkipsInARow++;
                continue;
            }
            var output = rest!.narrow(0, fullRow, n); // (n, N, D)
            fullRow += n;
            pieces.Add(output);
            entry.SkipsInARow = 0;
            if (r.Options.StepCache.SkipsBlocks)
                entry.Store(first.narrow(0, row, n), output - x1.narrow(0, row, n));
        }
        var hidden = rest is not null && fullRows.Count == x1.shape[0] ? rest : cat(pieces, 0); // (R, N, D)
        return (network.Unembed(hidden).MoveToOuterDisposeScope(), skips);
    }
}
