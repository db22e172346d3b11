using Calib.Graph.Ir;
using Calib.Graph.Quantization;

namespace Calib.Graph.Passes;

/// <summary>
/// Takes the quantization out of chosen nodes of a QDQ graph, leaving every other node as it was:
/// an input of a chosen node that comes through DequantizeLinear(QuantizeLinear(x)) reads x again,
/// and one that is a DequantizeLinear of a constant (int8 weights, int32 biases of a deploy model)
/// reads a float initializer holding the dequantized values. Q/DQ nodes that nothing reads any
/// more are removed, with their initializers. Stripping every node but one gives the model with
/// only that layer quantized; stripping every node gives back the float graph.
/// </summary>
public static class QdqStripping
{
    /// <summary>Strips the nodes <paramref name="strip"/> selects (Q/DQ nodes themselves are never offered).</summary>
    /// <param name="graph">The graph, changed in place.</param>
    /// <param name="strip">Whether a node's inputs lose their quantization.</param>
    /// <param name="graphOutputs">Also give graph outputs produced by DequantizeLinear their float value.</param>
    /// <returns>The number of inputs (and graph outputs) rewired.</returns>
    public static int Apply(ModelGraph graph, Func<Node, bool> strip, bool graphOutputs = false)
    {
        var dequantizedConstants = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = graph.NameScope();
        var rewired = 0;
        foreach (var node in graph.Nodes.Where(n => !QdqPattern.IsQdq(n) && strip(n)).ToList())
            for (var i = 0; i < node.Inputs.Count; i++)
                if (node.Inputs[i].Length > 0 && FloatSource(graph, names, node.Inputs[i], dequantizedConstants) is { } source)
                {
                    node.Inputs[i] = source;
                    rewired++;
                }
        if (graphOutputs) rewired += StripGraphOutputs(graph, names, dequantizedConstants);
        RemoveDeadQdq(graph);
        GraphRewrite.RemoveUnusedInitializers(graph);
        return rewired;
    }

    // A graph output keeps its name: its DequantizeLinear becomes an Identity of the float source.
    private static int StripGraphOutputs(ModelGraph graph, UniqueNames names, Dictionary<string, string> dequantizedConstants)
    {
        var rewired = 0;
        foreach (var output in graph.Outputs.Select(o => o.Name).ToList())
        {
            if (graph.ProducerOf(output) is not { } dq || !QdqPattern.IsDequantize(dq)) continue;
            if (FloatSource(graph, names, output, dequantizedConstants) is not { } source) continue;
            graph.Nodes[graph.Nodes.IndexOf(dq)] = new Node("Identity", dq.Name, [source], [output]);
            rewired++;
        }
        return rewired;
    }

    private static string? FloatSource(ModelGraph graph, UniqueNames names, string tensor, Dictionary<string, string> dequantizedConstants)
    {
        if (QdqPattern.FakeQuantSource(graph, tensor) is { } source) return source;
        if (graph.ProducerOf(tensor) is not { } dq || !QdqPattern.IsDequantize(dq) || graph.ConstantValue(dq.Inputs[0]) is null)
            return null;
        if (dequantizedConstants.TryGetValue(tensor, out var existing)) return existing;
        if (DequantizedValues(graph, dq) is not { } values) return null;
        var name = names.Make($"{tensor}_float");
        graph.AddInitializer(name, values);
        dequantizedConstants[tensor] = name;
        return name;
    }

    /// <summary>
    /// (q − zero_point) · scale of a constant DequantizeLinear input, per tensor or per axis, as ONNX
    /// defines it; null for the blocked form (opset 21 block_size), which no calib model uses.
    /// </summary>
    private static Onnx.Proto.TensorProto? DequantizedValues(ModelGraph graph, Node dq)
    {
        if (dq.Attributes.GetInt("block_size", 0) != 0) return null;
        var quantized = graph.ConstantValue(dq.Inputs[0])!;
        if (graph.ConstantValue(dq.Inputs[1]) is not { } scaleTensor) return null;
        var zeroTensor = dq.InputOrNull(2) is { } zp ? graph.ConstantValue(zp) : null;
        if (dq.InputOrNull(2) is not null && zeroTensor is null) return null;
        var q = TensorData.ReadInt64s(quantized);
        var scales = TensorData.ReadFloats(scaleTensor);
        var zeros = zeroTensor is null ? new long[scales.Length] : TensorData.ReadInt64s(zeroTensor);
        if (zeros.Length != scales.Length && zeros.Length != 1)
            throw new CalibException($"'{dq.DisplayName}' has {scales.Length} scales but {zeros.Length} zero points.");
        var dims = quantized.Dims.ToArray();
        var axis = (int)dq.Attributes.GetInt("axis", 1);
        if (axis < 0) axis += dims.Length;
        // Elements between two steps of the channel axis; one scale means no axis at all.
        var inner = scales.Length == 1 ? 1 : dims.Skip(axis + 1).Aggregate(1L, (a, d) => a * d);
        var values = new float[q.Length];
        for (var i = 0; i < q.Length; i++)
        {
            var c = scales.Length == 1 ? 0 : (int)(i / inner % scales.Length);
            values[i] = (q[i] - zeros[zeros.Length == 1 ? 0 : c]) * scales[c];
        }
        return TensorData.FromFloats(dims, values);
    }

    private static void RemoveDeadQdq(ModelGraph graph)
    {
        var subgraphReads = graph.NamesReadBySubgraphs();
        for (var removed = true; removed;)
        {
            var read = graph.Nodes.SelectMany(n => n.Inputs).ToHashSet(StringComparer.Ordinal);
            removed = graph.Nodes.RemoveAll(n => QdqPattern.IsQdq(n)
                && n.Outputs.All(o => !read.Contains(o) && !graph.IsGraphOutput(o) && !subgraphReads.Contains(o))) > 0;
        }
    }
}
