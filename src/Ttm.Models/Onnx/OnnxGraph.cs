using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Ttm.Models.Onnx;

/// <summary>
/// Writes an ONNX graph node by node: each call adds one operator and returns the name of its output, so a network's
/// forward reads as code (as torch.onnx's tracer would have written it; TorchSharp has no exporter). Weights become
/// initializers copied from the network's tensors; <see cref="ToModel"/> gives the serialized model.
/// </summary>
public sealed class OnnxGraph
{
    /// <summary>The operator set written: LayerNormalization (17) and Gelu (20) are single operators there.</summary>
    public const int Opset = 20;

    readonly GraphProto graph = new() { Name = "graph" };
    readonly Dictionary<string, int> used = [];

    string Fresh(string hint)
    {
        used[hint] = used.TryGetValue(hint, out var n) ? n + 1 : 0;
        return used[hint] == 0 ? hint : $"{hint}_{used[hint]}";
    }

    /// <summary>A graph input; a dimension is a fixed size or a symbol (a name, e.g. "batch").</summary>
    public string Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    public void Output(string name, TensorProto.Types.DataType type, params object[] dims) =>
        graph.Output.Add(ValueInfo(name, type, dims));

    static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(dim is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    /// <summary>A float32 initializer holding a copy of <paramref name="value"/>.</summary>
    public string Weight(string name, Tensor value)
    {
        using var contiguous = value.detach().to(ScalarType.Float32).cpu().contiguous();
        var data = contiguous.data<float>().ToArray();
        return Initializer(Fresh(name), TensorProto.Types.DataType.Float, contiguous.shape, MemoryMarshal.AsBytes(data.AsSpan()));
    }

    /// <summary>A float32 constant of the given shape (a scalar when no shape is given).</summary>
    public string Constant(string name, float[] values, params long[] shape) =>
        Initializer(Fresh(name), TensorProto.Types.DataType.Float, shape, MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>An int64 vector constant (shapes, axes, split sizes).</summary>
    public string Ints(params long[] values) =>
        Initializer(Fresh("ints"), TensorProto.Types.DataType.Int64, [values.Length], MemoryMarshal.AsBytes(values.AsSpan()));

    string Initializer(string name, TensorProto.Types.DataType type, long[] shape, ReadOnlySpan<byte> bytes)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(shape);
        graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>ONNX Runtime's own operators (fused attention, rotary embedding), in its contrib domain.</summary>
    public const string Contrib = "com.microsoft";

    /// <summary>One operator with one output; attributes are ints, int arrays or floats.</summary>
    public string Op(string type, string[] inputs, params (string Name, object Value)[] attributes) => Ops(type, inputs, 1, attributes)[0];

    /// <summary>One of ONNX Runtime's contrib operators (<see cref="Contrib"/>) with one output; an empty input name skips an optional input.</summary>
    public string ContribOp(string type, string[] inputs, params (string Name, object Value)[] attributes) => Ops(type, inputs, 1, attributes, Contrib)[0];

    /// <summary>One operator with <paramref name="outputs"/> outputs.</summary>
    public string[] Ops(string type, string[] inputs, int outputs, (string Name, object Value)[] attributes, string domain = "")
    {
        var node = new NodeProto { OpType = type, Name = Fresh(type), Domain = domain };
        node.Input.AddRange(inputs);
        var names = Enumerable.Range(0, outputs).Select(_ => Fresh(type.ToLowerInvariant())).ToArray();
        node.Output.AddRange(names);
        foreach (var (name, value) in attributes)
            node.Attribute.Add(value switch
            {
                long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
                int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
                float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
                long[] ints => Attribute(name, ints),
                _ => throw new ArgumentException($"Attribute {name} of {type}: unsupported value {value}."),
            });
        graph.Node.Add(node);
        return names;
    }

    static AttributeProto Attribute(string name, long[] ints)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(ints);
        return attribute;
    }

    /// <summary>Renames the value <paramref name="value"/> to the graph output <paramref name="name"/>.</summary>
    public void Identity(string value, string name)
    {
        var node = new NodeProto { OpType = "Identity", Name = Fresh("Identity") };
        node.Input.Add(value);
        node.Output.Add(name);
        graph.Node.Add(node);
    }

    public byte[] ToModel(string producer)
    {
        var model = new ModelProto { IrVersion = 9, ProducerName = producer, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = Contrib, Version = 1 });
        return model.ToByteArray();
    }
}
