using Calib.Graph.Ir;
using Calib.Graph.Operators;
using Calib.Graph.Quantization;

namespace Calib.Graph.Analysis;

/// <summary>A quantized layer of a QDQ model.</summary>
/// <param name="Node">The layer node.</param>
/// <param name="Input">The float tensor whose QuantizeLinear feeds the layer's data input (what its quantizer clips).</param>
/// <param name="InputQuantization">That quantizer's scale and zero point, when per tensor and 8-bit.</param>
public sealed record QuantizedLayer(Node Node, string Input, ActivationQdq? InputQuantization)
{
    /// <summary>The layer's name for reports (the node name, or op and output for unnamed nodes).</summary>
    public string Name => Node.DisplayName;
}

/// <summary>
/// Finds the quantized layers of a QDQ model — calib's fake-quant or deploy model, or a QDQ export
/// from another tool: the nodes whose data input (the first) comes through
/// DequantizeLinear(QuantizeLinear(x)) and that are of a kind calib quantizes (see
/// <see cref="OperatorRegistry"/>) or read a dequantized constant (a quantized weight). Nodes that merely
/// pass quantized tensors along (Relu, MaxPool, Add in a deploy model) are not layers.
/// </summary>
public static class QuantizedLayerFinder
{
    /// <summary>The quantized layers of <paramref name="graph"/>, in graph order.</summary>
    public static IReadOnlyList<QuantizedLayer> Find(ModelGraph graph) =>
        graph.Nodes
            .Where(n => !QdqPattern.IsQdq(n) && n.Inputs.Count > 0 && n.Inputs[0].Length > 0)
            .Select(n => (Node: n, Source: QdqPattern.FakeQuantSource(graph, n.Inputs[0])))
            .Where(c => c.Source is not null && (OperatorRegistry.Default.Find(c.Node) is not null || ReadsQuantizedConstant(graph, c.Node)))
            .Select(c => new QuantizedLayer(c.Node, c.Source!, QdqPattern.PerTensorQuantization(graph, graph.ProducerOf(c.Node.Inputs[0])!)))
            .ToList();

    private static bool ReadsQuantizedConstant(ModelGraph graph, Node node) =>
        node.Inputs.Skip(1).Any(i => i.Length > 0 && graph.ProducerOf(i) is { } dq && QdqPattern.IsDequantize(dq)
            && (graph.ConstantValue(dq.Inputs[0]) is not null || QdqPattern.FakeQuantSource(graph, i) is { } x && graph.ConstantValue(x) is not null));
}
