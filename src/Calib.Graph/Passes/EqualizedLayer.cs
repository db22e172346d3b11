using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;

namespace Calib.Graph.Passes;

/// <summary>
/// A Conv, Gemm or MatMul whose constant weight (and bias) cross-layer equalization may rescale per channel:
/// the weight held in double precision while the scales converge (each value is rounded to float32 once, when
/// written back), and which weight values belong to which output and input channel.
/// </summary>
internal sealed class EqualizedLayer
{
    private readonly long[] _dims;
    private readonly double[] _weights;
    private readonly double[]? _bias;
    private readonly Func<int, int> _outputChannelOf;
    private readonly Func<int, int> _inputChannelOf;

    private EqualizedLayer(Node node, long[] dims, double[] weights, double[]? bias, int outputs, int inputs,
        Func<int, int> outputChannelOf, Func<int, int> inputChannelOf, bool outputsScalable)
    {
        Node = node;
        _dims = dims;
        _weights = weights;
        _bias = bias;
        OutputChannels = outputs;
        InputChannels = inputs;
        _outputChannelOf = outputChannelOf;
        _inputChannelOf = inputChannelOf;
        OutputsScalable = outputsScalable;
    }

    /// <summary>The layer.</summary>
    public Node Node { get; }

    /// <summary>Channels of the layer's output (axis 1 of a Conv's output, the last axis of a Gemm's).</summary>
    public int OutputChannels { get; }

    /// <summary>Channels of the layer's data input the weight reads.</summary>
    public int InputChannels { get; }

    /// <summary>
    /// True when the output channels can be rescaled: a Conv or Gemm whose bias is absent or one value per channel
    /// (a MatMul has no bias, but its output channels are its last axis, which no Conv reads as channels).
    /// </summary>
    public bool OutputsScalable { get; }

    /// <summary>
    /// The layer when its weight (and bias) are float32 initializers of a layout calib knows that only this node
    /// reads (a shared or overridable weight is left alone); null otherwise.
    /// </summary>
    public static EqualizedLayer? Read(ModelGraph graph, Node node, Func<string, bool> privateInitializer)
    {
        if (!node.IsStandard || node.Inputs.Count < 2 || !privateInitializer(node.Inputs[1])
            || graph.Initializers[node.Inputs[1]] is not { DataType: (int)TensorProto.Types.DataType.Float } weight) return null;
        var dims = weight.Dims.ToArray();
        if (dims.Any(d => d <= 0)) return null;
        var layout = node.OpType switch
        {
            "Conv" when dims.Length >= 3 => ConvLayout(node, dims),
            "Gemm" when dims.Length == 2 && node.Attributes.GetInt("transA", 0) == 0 => MatrixLayout(dims, node.Attributes.GetInt("transB", 0) != 0),
            "MatMul" when dims.Length == 2 => MatrixLayout(dims, transposed: false),
            _ => null,
        };
        if (layout is not { } known) return null;
        var (outputs, inputs, outputOf, inputOf) = known;
        var values = TensorData.ReadFloats(weight);
        if (values.Length != dims.Aggregate(1L, (a, d) => a * d)) return null;
        var (bias, biasScalable) = ReadBias(graph, node, outputs, privateInitializer);
        return new EqualizedLayer(node, dims, Array.ConvertAll(values, v => (double)v), bias, outputs, inputs, outputOf, inputOf,
            biasScalable && node.OpType != "MatMul");
    }

    /// <summary>The largest weight magnitude of each output channel.</summary>
    public double[] OutputRanges() => Ranges(OutputChannels, _outputChannelOf);

    /// <summary>The largest weight magnitude reading each input channel.</summary>
    public double[] InputRanges() => Ranges(InputChannels, _inputChannelOf);

    /// <summary>Multiplies output channel c (its weights and bias) by <paramref name="factors"/>[c].</summary>
    public void ScaleOutputs(double[] factors)
    {
        for (var i = 0; i < _weights.Length; i++) _weights[i] *= factors[_outputChannelOf(i)];
        if (_bias is not null)
            for (var c = 0; c < _bias.Length; c++) _bias[c] *= factors[c];
    }

    /// <summary>Multiplies the weights reading input channel c by <paramref name="factors"/>[c].</summary>
    public void ScaleInputs(double[] factors)
    {
        for (var i = 0; i < _weights.Length; i++) _weights[i] *= factors[_inputChannelOf(i)];
    }

    /// <summary>Writes the rescaled weight and bias back under their own names.</summary>
    public void WriteTo(ModelGraph graph)
    {
        graph.AddInitializer(Node.Inputs[1], TensorData.FromFloats(_dims, Array.ConvertAll(_weights, v => (float)v)));
        if (_bias is not null) graph.AddInitializer(Node.Inputs[2], TensorData.FromFloats([_bias.Length], Array.ConvertAll(_bias, v => (float)v)));
    }

    private double[] Ranges(int channels, Func<int, int> channelOf)
    {
        var ranges = new double[channels];
        for (var i = 0; i < _weights.Length; i++)
        {
            var c = channelOf(i);
            ranges[c] = Math.Max(ranges[c], Math.Abs(_weights[i]));
        }
        return ranges;
    }

    // Conv weight [Cout, Cin/group, k…]: output channel o reads the input channels of its group.
    private static (int, int, Func<int, int>, Func<int, int>)? ConvLayout(Node node, long[] dims)
    {
        var group = node.Attributes.GetInt("group", 1);
        if (group < 1 || dims[0] % group != 0) return null;
        var perOutput = (int)dims.Skip(1).Aggregate(1L, (a, d) => a * d);
        var kernel = perOutput / (int)dims[1];
        var (outputsPerGroup, inputsPerGroup) = ((int)(dims[0] / group), (int)dims[1]);
        return ((int)dims[0], inputsPerGroup * (int)group,
            i => i / perOutput,
            i => i / perOutput / outputsPerGroup * inputsPerGroup + i % perOutput / kernel);
    }

    // Gemm/MatMul weight [K, N], or [N, K] when transposed (Gemm's transB).
    private static (int, int, Func<int, int>, Func<int, int>) MatrixLayout(long[] dims, bool transposed)
    {
        var columns = (int)dims[1];
        return transposed
            ? ((int)dims[0], columns, i => i / columns, i => i % columns)
            : (columns, (int)dims[0], i => i % columns, i => i / columns);
    }

    // A bias the outputs can be rescaled with: absent, or a private float32 initializer of one value per output channel.
    private static (double[]? Bias, bool Scalable) ReadBias(ModelGraph graph, Node node, int channels, Func<string, bool> privateInitializer)
    {
        if (node.OpType == "MatMul" || node.InputOrNull(2) is not { } name) return (null, true);
        if (!privateInitializer(name) || graph.Initializers[name] is not { DataType: (int)TensorProto.Types.DataType.Float } bias
            || bias.Dims.Count != 1 || bias.Dims[0] != channels) return (null, false);
        return (Array.ConvertAll(TensorData.ReadFloats(bias), v => (double)v), true);
    }
}
