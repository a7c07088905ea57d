using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Ttm.Models.Onnx;

/// <summary>A libtorch tensor handed to ONNX Runtime: copied to host memory, contiguous, as the graph's element type.</summary>
public static class OrtValues
{
    public static OrtValue Floats(Tensor t)
    {
        using var values = t.detach().to(ScalarType.Float32).cpu().contiguous();
        return OrtValue.CreateTensorValueFromMemory(values.data<float>().ToArray(), values.shape);
    }

    public static OrtValue Bools(Tensor t)
    {
        using var values = t.to(ScalarType.Bool).cpu().contiguous();
        return OrtValue.CreateTensorValueFromMemory(values.data<bool>().ToArray(), values.shape);
    }

    public static OrtValue Longs(Tensor t)
    {
        using var values = t.to(ScalarType.Int64).cpu().contiguous();
        return OrtValue.CreateTensorValueFromMemory(values.data<long>().ToArray(), values.shape);
    }
}
