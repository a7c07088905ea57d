using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Ttm.Models.Onnx;

/// <summary>
/// A network's forward pass on ONNX Runtime's CPU provider: the graphs <see cref="VideoDitGraph"/> or
/// <see cref="VideoUnetGraph"/> writes from the network's weights (a snapshot: weights changed later are not seen), fed
/// from and returning torch tensors. The whole pass is one graph; the pieces a DiT's step cache runs
/// (<see cref="ForwardPiece"/>) are graphs of their own, each written from the snapshot the first time it is asked for.
/// </summary>
public sealed class OnnxForward : IForwardPass, IDisposable
{
    readonly TtmConfig config;
    readonly Dictionary<string, Tensor> weights;
    readonly int threads;
    readonly Lazy<InferenceSession>[] sessions;

    /// <param name="threads">ONNX Runtime's intra-op threads (default: libtorch's current count)</param>
    public OnnxForward(VideoDenoiser model, int? threads = null)
    {
        config = model.Config;
        weights = model.state_dict().ToDictionary(w => w.Key, w => w.Value.detach().clone().DetachFromDisposeScope());
        this.threads = threads ?? get_num_threads();
        sessions = Enum.GetValues<ForwardPiece>().Select(piece => new Lazy<InferenceSession>(() => Session(piece))).ToArray();
        _ = sessions[(int)ForwardPiece.Whole].Value;
    }

    InferenceSession Session(ForwardPiece piece)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Idle threads block instead of spinning: the sampler's libtorch work runs between passes, and a step cache's pieces
        // are three sessions, each with its own threads; spinning ones took the cores from the next (docs/benchmarks.md, ONNX Runtime for the forward pass).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        var graph = config.Backbone == Backbone.Unet
            ? piece == ForwardPiece.Whole ? VideoUnetGraph.Export(config, weights) : throw new NotSupportedException("The U-Net runs whole passes only: it has no step cache.")
            : VideoDitGraph.Export(config, weights, piece);
        return new InferenceSession(graph, options);
    }

    /// <returns>(B, 3, T, H, W), as <see cref="VideoDenoiser.forward"/></returns>
    public Tensor forward(DitBatch batch) => Run(ForwardPiece.Whole, batch, null, VideoDitGraph.Prediction)[0];

    /// <returns>the embedded tokens and the first block's output, each (B, N, D), as <see cref="VideoDit.Embed"/> then the first block</returns>
    public (Tensor Embedded, Tensor First) FirstBlock(DitBatch batch)
    {
        var outputs = Run(ForwardPiece.FirstBlock, batch, null, VideoDitGraph.Embedded, VideoDitGraph.BlocksOut);
        return (outputs[0], outputs[1]);
    }

    /// <param name="hidden">(B, N, D) the first block's output for the rows of <paramref name="batch"/></param>
    /// <returns>(B, N, D) the last block's output</returns>
    public Tensor OtherBlocks(Tensor hidden, DitBatch batch) => Run(ForwardPiece.OtherBlocks, batch, hidden, VideoDitGraph.BlocksOut)[0];

    /// <param name="hidden">(B, N, D) the last block's output</param>
    /// <returns>(B, 3, T, H, W), as <see cref="VideoDit.Unembed"/></returns>
    public Tensor Unembed(Tensor hidden, DitBatch batch) => Run(ForwardPiece.Unembed, batch, hidden, VideoDitGraph.Prediction)[0];

    /// <summary>Runs one piece's graph on the inputs it declares; the outputs land in the caller's dispose scope.</summary>
    Tensor[] Run(ForwardPiece piece, DitBatch batch, Tensor? hidden, params string[] outputNames)
    {
        var session = sessions[(int)piece].Value;
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            foreach (var name in session.InputMetadata.Keys)
                inputs[name] = Input(name, batch, hidden);
            using var run = new RunOptions();
            using var outputs = session.Run(run, inputs.Keys.ToList(), inputs.Values.ToList(), outputNames);
            return outputs.Select(output =>
                tensor(output.GetTensorDataAsSpan<float>().ToArray(), output.GetTensorTypeAndShape().Shape, device: batch.Noisy.device)).ToArray();
        }
        finally
        {
            foreach (var value in inputs.Values) value.Dispose();
        }
    }

    OrtValue Input(string name, DitBatch batch, Tensor? hidden)
    {
        switch (name)
        {
            case VideoDitGraph.Noisy: return OrtValues.Floats(batch.Noisy);
            case VideoDitGraph.Time: return OrtValues.Floats(batch.Time);
            case VideoDitGraph.Visual: return OrtValues.Floats(batch.Visual);
            case VideoDitGraph.Text: return OrtValues.Floats(batch.Text);
            case VideoDitGraph.TextMask: return OrtValues.Bools(batch.TextMask);
            case VideoDitGraph.Hidden: return OrtValues.Floats(hidden ?? throw new ArgumentException("This piece of the forward pass starts from a block's output."));
            case VideoDitGraph.LocalText: return OrtValues.Floats(batch.LocalText ?? throw new ArgumentException("This network reads local prompts."));
            case VideoDitGraph.LocalVisible:
                using (var visible = config.MasksCrossAttention ? batch.LocalVisibility() : batch.LocalTokensPresent())
                    return OrtValues.Bools(visible);
            case VideoDitGraph.TokenObjects: return OrtValues.Longs(batch.TokenObjects ?? throw new ArgumentException("This network reads token object ids."));
            case var _ when VideoUnetGraph.LevelOf(name, VideoUnetGraph.LocalVisible) is { } level:
                using (NewDisposeScope())
                    return OrtValues.Bools(VideoUnet.LocalConditions(config, batch, level).LocalVisible);
            case var _ when VideoUnetGraph.LevelOf(name, VideoUnetGraph.TokenObjects) is { } level:
                using (NewDisposeScope())
                    return OrtValues.Longs(VideoUnet.LocalConditions(config, batch, level).TokenObjects ?? throw new ArgumentException("This network reads token object ids."));
            default: throw new InvalidOperationException($"The exported graph reads an input '{name}' this runner does not know.");
        }
    }

    public void Dispose()
    {
        foreach (var session in sessions.Where(s => s.IsValueCreated)) session.Value.Dispose();
        foreach (var weight in weights.Values) weight.Dispose();
    }
}
