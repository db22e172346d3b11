using Calib.Graph.Ir;

namespace Calib.Graph.Onnx;

/// <summary>
/// Structural checks of a loaded model that the graph passes rely on: the operators calib rewrites
/// have their required inputs and outputs, and every tensor a node reads is defined. ONNX Runtime
/// refuses such models too, but only after the passes have indexed into the missing pieces.
/// </summary>
internal static class GraphIntegrity
{
    // Required inputs (which must be named) and the most inputs, for the standard operators the passes,
    // the layer finder and the Q/DQ handling look into.
    private static readonly Dictionary<string, (int Required, int Most)> Arity = new(StringComparer.Ordinal)
    {
        ["Conv"] = (2, 3), ["ConvTranspose"] = (2, 3), ["Gemm"] = (2, 3), ["MatMul"] = (2, 2),
        ["BatchNormalization"] = (5, 5), ["AveragePool"] = (1, 1), ["MaxPool"] = (1, 1), ["GlobalAveragePool"] = (1, 1),
        ["Relu"] = (1, 1), ["Add"] = (2, 2), ["Mul"] = (2, 2), ["Flatten"] = (1, 1), ["Identity"] = (1, 1),
        ["Transpose"] = (1, 1), ["Softmax"] = (1, 1), ["QuantizeLinear"] = (2, 3), ["DequantizeLinear"] = (2, 3),
    };

    /// <summary>Throws when a node of the main graph lacks what its operator requires or reads an undefined tensor.</summary>
    /// <exception cref="CalibException">The model is malformed; the message names the node and <paramref name="source"/>.</exception>
    public static void Check(ModelGraph graph, string source)
    {
        var defined = new HashSet<string>(graph.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        defined.UnionWith(graph.Initializers.Keys);
        defined.UnionWith(graph.SparseInitializerNames);
        foreach (var node in graph.Nodes) defined.UnionWith(node.Outputs.Where(o => o.Length > 0));
        foreach (var node in graph.Nodes)
        {
            if (node.IsStandard && Arity.TryGetValue(node.OpType, out var arity))
            {
                if (node.Inputs.Count < arity.Required || node.Inputs.Count > arity.Most || node.Inputs.Take(arity.Required).Any(i => i.Length == 0))
                    throw Malformed(source, node, $"has inputs ({string.Join(", ", node.Inputs.Select(i => $"'{i}'"))}), but {node.OpType} takes " +
                        (arity.Required == arity.Most ? $"{arity.Required}" : $"{arity.Required} to {arity.Most}"));
                if (node.Outputs.Count == 0 || node.Outputs[0].Length == 0) throw Malformed(source, node, "has no output");
            }
            if (node.Inputs.FirstOrDefault(i => i.Length > 0 && !defined.Contains(i)) is { } undefined)
                throw Malformed(source, node, $"reads tensor '{undefined}', which is no graph input, initializer or node output");
        }
    }

    private static CalibException Malformed(string source, Node node, string problem) =>
        new($"'{source}' is not a valid ONNX model: node '{node.DisplayName}' ({node.OpType}) {problem}. Check it with onnx.checker and re-export it.");
}
