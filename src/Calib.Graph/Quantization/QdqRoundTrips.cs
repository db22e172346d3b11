using Calib.Graph.Ir;

namespace Calib.Graph.Quantization;

/// <summary>
/// The Q/DQ round trips left in a graph, read after ONNX Runtime's optimizations
/// (<c>SessionOptions.OptimizedModelFilePath</c>): float nodes that read a DequantizeLinear output and
/// write into a QuantizeLinear (8-bit in, 8-bit out, float in between, so ONNX Runtime found no integer
/// kernel for them), and QuantizeLinear → DequantizeLinear pairs that survive.
/// </summary>
/// <param name="FloatNodes">Float nodes between DequantizeLinear and QuantizeLinear, in graph order.</param>
/// <param name="QuantizeDequantizePairs">QuantizeLinear nodes whose output a DequantizeLinear reads directly.</param>
public sealed record QdqRoundTrips(IReadOnlyList<Node> FloatNodes, IReadOnlyList<Node> QuantizeDequantizePairs)
{
    /// <summary>Finds the round trips of <paramref name="graph"/>.</summary>
    public static QdqRoundTrips Find(ModelGraph graph)
    {
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        var readers = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            foreach (var output in node.Outputs) producers[output] = node;
            foreach (var input in node.Inputs.Where(i => i.Length > 0))
            {
                if (!readers.TryGetValue(input, out var list)) readers[input] = list = [];
                list.Add(node);
            }
        }
        bool ReadsOp(Node node, string op) => node.Inputs.Any(i => producers.TryGetValue(i, out var p) && p.OpType == op);
        bool FeedsOp(Node node, string op) => node.Outputs.Any(o => readers.TryGetValue(o, out var r) && r.Any(n => n.OpType == op));

        var floatNodes = graph.Nodes
            .Where(n => !IsQdq(n) && ReadsOp(n, "DequantizeLinear") && FeedsOp(n, "QuantizeLinear"))
            .ToList();
        var pairs = graph.Nodes.Where(n => n.OpType == "QuantizeLinear" && FeedsOp(n, "DequantizeLinear")).ToList();
        return new QdqRoundTrips(floatNodes, pairs);
    }

    /// <summary>Float round-trip nodes counted by op type, most frequent first ("Add 12, Mul 2").</summary>
    public IReadOnlyDictionary<string, int> FloatOps => FloatNodes
        .GroupBy(n => n.OpType)
        .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Count());

    private static bool IsQdq(Node node) => node.OpType is "QuantizeLinear" or "DequantizeLinear";
}
