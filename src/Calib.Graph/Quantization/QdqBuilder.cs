using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Quantization;

/// <summary>
/// Inserts ONNX QuantizeLinear/DequantizeLinear nodes into a graph. Two styles:
/// per consumer (<see cref="DequantizedInput"/>: one layer reads a fake-quantized copy, other
/// readers keep the float tensor) and in place (<see cref="QuantizeInPlace"/>: every reader sees
/// the quantized tensor, as ONNX Runtime needs to fuse integer kernels).
/// </summary>
public sealed class QdqBuilder(ModelGraph graph)
{
    private readonly Dictionary<(string Tensor, ActivationQdq Qdq), string> _dequantized = [];
    private readonly UniqueNames _names = graph.NameScope();

    /// <summary>
    /// The name of a fake-quantized copy of <paramref name="tensor"/> (Q then DQ), created once
    /// per tensor and quantization and shared by the layers that ask for it.
    /// </summary>
    public string DequantizedInput(string tensor, ActivationQdq qdq)
    {
        if (_dequantized.TryGetValue((tensor, qdq), out var existing)) return existing;
        var dequantized = _names.Make($"{tensor}_dequantized");
        InsertPair(tensor, dequantized, qdq, InsertionIndexAfter(tensor));
        _dequantized[(tensor, qdq)] = dequantized;
        return dequantized;
    }

    /// <summary>
    /// Quantizes <paramref name="tensor"/> for all its readers: its producer writes a renamed float
    /// tensor, which goes through Q and DQ back to the original name. Graph inputs are quantized for
    /// their node readers instead. Returns the name of the integer tensor.
    /// </summary>
    public string QuantizeInPlace(string tensor, ActivationQdq qdq)
    {
        var producer = graph.ProducerOf(tensor);
        if (producer is null)
        {
            var dequantized = DequantizedInput(tensor, qdq);
            var quantized = graph.ProducerOf(dequantized)!.Inputs[0];
            var quantize = graph.ProducerOf(quantized)!;
            foreach (var node in graph.Nodes.Where(n => n != quantize))
                for (var i = 0; i < node.Inputs.Count; i++)
                    if (node.Inputs[i] == tensor) node.Inputs[i] = dequantized;
            return quantized;
        }
        var floatName = _names.Make($"{tensor}_float");
        producer.Outputs[producer.Outputs.IndexOf(tensor)] = floatName;
        return InsertPair(floatName, tensor, qdq, graph.Nodes.IndexOf(producer) + 1);
    }

    /// <summary>Fake-quantizes a float weight initializer: float W → Q → DQ; returns the DQ output.</summary>
    public string FakeQuantizedWeight(string weight, WeightQdq qdq)
    {
        var stem = _names.Make($"{weight}_quantized");
        var scale = AddScale($"{weight}_scale", qdq.Scales);
        var zero = AddZeroPoints($"{weight}_zero_point", DataType.Int8, new int[qdq.Scales.Length]);
        var quantize = Insert("QuantizeLinear", stem, [weight, scale, zero], 0);
        SetAxis(quantize, qdq);
        var dequantized = _names.Make($"{weight}_dequantized");
        var dequantize = Insert("DequantizeLinear", dequantized, [stem, scale, zero], 1);
        SetAxis(dequantize, qdq);
        return dequantized;
    }

    /// <summary>Stores the weight as int8 and returns the output of its DequantizeLinear.</summary>
    public string Int8Weight(string weight, WeightQdq qdq)
    {
        var quantized = _names.Make($"{weight}_quantized");
        graph.AddInitializer(quantized, TensorData.FromInt8s(graph.Initializers[weight].Dims, qdq.Values));
        var scale = AddScale($"{weight}_scale", qdq.Scales);
        var zero = AddZeroPoints($"{weight}_zero_point", DataType.Int8, new int[qdq.Scales.Length]);
        var dequantized = _names.Make($"{weight}_dequantized");
        SetAxis(Insert("DequantizeLinear", dequantized, [quantized, scale, zero], 0), qdq);
        return dequantized;
    }

    /// <summary>Stores a bias as int32 with scales (input scale × weight scale per channel); returns its DQ output.</summary>
    public string Int32Bias(string bias, int[] values, float[] scales)
    {
        var quantized = _names.Make($"{bias}_quantized");
        graph.AddInitializer(quantized, TensorData.FromInt32s([values.Length], values));
        var scale = AddScale($"{bias}_scale", scales);
        var zero = AddZeroPoints($"{bias}_zero_point", DataType.Int32, new int[scales.Length]);
        var dequantized = _names.Make($"{bias}_dequantized");
        var node = Insert("DequantizeLinear", dequantized, [quantized, scale, zero], 0);
        if (scales.Length > 1) node.Attributes.Set("axis", 0L);
        return dequantized;
    }

    /// <summary>
    /// Stores a float constant as 8-bit <paramref name="levels"/> (uint8, or int8 when <paramref name="qdq"/> is
    /// signed) behind a DequantizeLinear, once per constant and quantization; returns the DQ output.
    /// </summary>
    public string QuantizedConstant(string constant, ActivationQdq qdq, int[] levels)
    {
        if (_dequantized.TryGetValue((constant, qdq), out var existing)) return existing;
        var type = qdq.Signed ? DataType.Int8 : DataType.Uint8;
        var dims = graph.ConstantValue(constant)!.Dims;
        var quantized = _names.Make($"{constant}_quantized");
        graph.AddInitializer(quantized, qdq.Signed
            ? TensorData.FromInt8s(dims, levels.Select(v => (sbyte)v).ToArray())
            : TensorData.FromUInt8s(dims, levels.Select(v => (byte)v).ToArray()));
        var scale = AddScale($"{constant}_scale", [qdq.Scale]);
        var zero = AddZeroPoints($"{constant}_zero_point", type, [qdq.ZeroPoint]);
        var dequantized = _names.Make($"{constant}_dequantized");
        Insert("DequantizeLinear", dequantized, [quantized, scale, zero], InsertionIndexAfter(constant));
        _dequantized[(constant, qdq)] = dequantized;
        return dequantized;
    }

    private string InsertPair(string source, string dequantized, ActivationQdq qdq, int index)
    {
        var type = qdq.Signed ? DataType.Int8 : DataType.Uint8;
        var scale = AddScale($"{source}_scale", [qdq.Scale]);
        var zero = AddZeroPoints($"{source}_zero_point", type, [qdq.ZeroPoint]);
        var quantized = _names.Make($"{source}_quantized");
        Insert("QuantizeLinear", quantized, [source, scale, zero], index);
        Insert("DequantizeLinear", dequantized, [quantized, scale, zero], index + 1);
        return quantized;
    }

    private Node Insert(string op, string output, string[] inputs, int index)
    {
        var node = new Node(op, _names.Make($"{output}_{op}"), inputs, [output]);
        graph.Nodes.Insert(index, node);
        return node;
    }

    // Right after the producer, or at the top for graph inputs and initializers.
    private int InsertionIndexAfter(string tensor) =>
        graph.ProducerOf(tensor) is { } producer ? graph.Nodes.IndexOf(producer) + 1 : 0;

    private string AddScale(string stem, float[] scales)
    {
        var name = _names.Make(stem);
        graph.AddInitializer(name, scales.Length == 1 ? TensorData.Scalar(scales[0]) : TensorData.FromFloats([scales.Length], scales));
        return name;
    }

    private string AddZeroPoints(string stem, DataType type, int[] values)
    {
        var name = _names.Make(stem);
        long[] dims = values.Length == 1 ? [] : [values.Length];
        graph.AddInitializer(name, type switch
        {
            DataType.Uint8 => TensorData.FromUInt8s(dims, values.Select(v => (byte)v).ToArray()),
            DataType.Int8 => TensorData.FromInt8s(dims, values.Select(v => (sbyte)v).ToArray()),
            _ => TensorData.FromInt32s(dims, values),
        });
        return name;
    }

    private static void SetAxis(Node node, WeightQdq qdq)
    {
        if (qdq.PerChannel) node.Attributes.Set("axis", (long)qdq.Axis);
    }
}
