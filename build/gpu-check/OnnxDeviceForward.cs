using Microsoft.ML.OnnxRuntime;
using Ttm.Models;
using Ttm.Models.Onnx;
using static TorchSharp.torch;

/// <summary>
/// The DiT's whole forward pass on ONNX Runtime with a chosen execution provider: CUDA for a cuda:N device, the CPU
/// provider otherwise. The graph and the inputs are <see cref="OnnxForward"/>'s (which serves on the CPU provider only);
/// inputs and outputs go through host memory, as there, so a CUDA pass's time includes the copies.
/// </summary>
sealed class OnnxDeviceForward : IForwardPass, IDisposable
{
    readonly TtmConfig config;
    readonly InferenceSession session;

    /// <exception cref="OnnxRuntimeException">the CUDA provider could not be loaded (its libraries, CUDA's, or a driver missing)</exception>
    public OnnxDeviceForward(VideoDit model, Device device)
    {
        config = model.Config;
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        Provider = "CPUExecutionProvider";
        if (device.type == TorchSharp.DeviceType.CUDA)
        {
            options.AppendExecutionProvider_CUDA(device.index < 0 ? 0 : device.index);
            Provider = "CUDAExecutionProvider";
        }
        else
            options.IntraOpNumThreads = get_num_threads();
        session = new InferenceSession(VideoDitGraph.Export(model), options);
    }

    public string Provider { get; }

    /// <returns>(B, 3, T, H, W), as <see cref="VideoDenoiser.forward"/>, on the batch's device</returns>
    public Tensor forward(DitBatch batch)
    {
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            foreach (var name in session.InputMetadata.Keys)
                inputs[name] = Input(name, batch);
            using var run = new RunOptions();
            using var outputs = session.Run(run, inputs.Keys.ToList(), inputs.Values.ToList(), [VideoDitGraph.Prediction]);
            var output = outputs[0];
            return tensor(output.GetTensorDataAsSpan<float>().ToArray(), output.GetTensorTypeAndShape().Shape, device: batch.Noisy.device);
        }
        finally
        {
            foreach (var value in inputs.Values) value.Dispose();
        }
    }

    OrtValue Input(string name, DitBatch batch) => name switch
    {
        VideoDitGraph.Noisy => OrtValues.Floats(batch.Noisy),
        VideoDitGraph.Time => OrtValues.Floats(batch.Time),
        VideoDitGraph.Visual => OrtValues.Floats(batch.Visual),
        VideoDitGraph.Text => OrtValues.Floats(batch.Text),
        VideoDitGraph.TextMask => OrtValues.Bools(batch.TextMask),
        VideoDitGraph.LocalText => OrtValues.Floats(batch.LocalText ?? throw new ArgumentException("This network reads local prompts.")),
        VideoDitGraph.LocalVisible => Visible(batch),
        VideoDitGraph.TokenObjects => OrtValues.Longs(batch.TokenObjects ?? throw new ArgumentException("This network reads token object ids.")),
        _ => throw new InvalidOperationException($"The exported graph reads an input '{name}' this runner does not know."),
    };

    OrtValue Visible(DitBatch batch)
    {
        using var visible = config.MasksCrossAttention ? batch.LocalVisibility() : batch.LocalTokensPresent();
        return OrtValues.Bools(visible);
    }

    public void Dispose() => session.Dispose();
}
