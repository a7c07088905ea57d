using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Ttm.Models.Onnx;

/// <summary>
/// A network's forward pass on ONNX Runtime's CPU provider: the graph <see cref="VideoDitGraph"/> writes from the
/// network's weights (a snapshot: weights changed later are not seen), fed from and returning torch tensors.
/// </summary>
public sealed class OnnxForward : IDisposable
{
    readonly InferenceSession session;
    readonly TtmConfig config;

    /// <param name="threads">ONNX Runtime's intra-op threads (default: libtorch's current count)</param>
    public OnnxForward(VideoDit model, int? threads = null)
    {
        config = model.Config;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads ?? get_num_threads(),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        session = new InferenceSession(VideoDitGraph.Export(model), options);
    }

    /// <returns>(B, 3, T, H, W), as <see cref="VideoDit.forward"/></returns>
    public Tensor forward(DitBatch batch)
    {
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            inputs[VideoDitGraph.Noisy] = Floats(batch.Noisy);
            inputs[VideoDitGraph.Time] = Floats(batch.Time);
            inputs[VideoDitGraph.Visual] = Floats(batch.Visual);
            inputs[VideoDitGraph.Text] = Floats(batch.Text);
            inputs[VideoDitGraph.TextMask] = Bools(batch.TextMask);
            if (config.AddsLayers && config.MaskedBlocks > 0)
            {
                inputs[VideoDitGraph.LocalText] = Floats(batch.LocalText ?? throw new ArgumentException("This network reads local prompts."));
                using (var visible = config.MasksCrossAttention ? batch.LocalVisibility() : batch.LocalTokensPresent())
                    inputs[VideoDitGraph.LocalVisible] = Bools(visible);
                if (config.MasksSelfAttention)
                    inputs[VideoDitGraph.TokenObjects] = Longs(batch.TokenObjects ?? throw new ArgumentException("This network reads token object ids."));
            }
            using var run = new RunOptions();
            using var outputs = session.Run(run, inputs.Keys.ToList(), inputs.Values.ToList(), [VideoDitGraph.Prediction]);
            var output = outputs[0];
            var shape = output.GetTensorTypeAndShape().Shape;
            return tensor(output.GetTensorDataAsSpan<float>().ToArray(), shape, device: batch.Noisy.device);
        }
        finally
        {
            foreach (var value in inputs.Values) value.Dispose();
        }
    }

    static OrtValue Floats(Tensor t)
    {
        using var values = t.detach().to(ScalarType.Float32).cpu().contiguous();
        return OrtValue.CreateTensorValueFromMemory(values.data<float>().ToArray(), values.shape);
    }

    static OrtValue Bools(Tensor t)
    {
        using var values = t.to(ScalarType.Bool).cpu().contiguous();
        return OrtValue.CreateTensorValueFromMemory(values.data<bool>().ToArray(), values.shape);
    }

    static OrtValue Longs(Tensor t)
    {
        using var values = t.to(ScalarType.Int64).cpu().contiguous();
        return OrtValue.CreateTensorValueFromMemory(values.data<long>().ToArray(), values.shape);
    }

    public void Dispose() => session.Dispose();
}
