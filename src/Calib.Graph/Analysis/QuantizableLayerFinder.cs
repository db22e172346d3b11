using Calib.Graph.Ir;
using Calib.Graph.Operators;
using Calib.Graph.Shapes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Analysis;

/// <summary>
/// Decides which nodes calib quantizes: a node of a registered operator kind (see
/// <see cref="OperatorRegistry"/>) that meets its kind's AMCT restriction and reads a float32 input.
/// Every other node gets the reason it stays float. Restrictions known only to the source framework
/// (see <see cref="LayerRestrictions"/>) override the ONNX rules by node name.
/// </summary>
public static class QuantizableLayerFinder
{
    /// <summary>A verdict for every node of <paramref name="model"/>, honouring the restrictions stored in it.</summary>
    /// <param name="model">The model to judge.</param>
    /// <param name="tensors">Tensor types, to reject layers whose input is not float32; optional.</param>
    /// <param name="operators">The quantizable kinds; <see cref="OperatorRegistry.Default"/> when null.</param>
    public static IReadOnlyList<LayerVerdict> Classify(OnnxModel model, TensorInfoCatalog? tensors = null, OperatorRegistry? operators = null) =>
        Classify(model.Graph, tensors, LayerRestrictions.Of(model), operators);

    /// <summary>A verdict for every node of <paramref name="graph"/>, in node order.</summary>
    /// <param name="graph">The graph to judge.</param>
    /// <param name="tensors">Tensor types, to reject layers whose input is not float32; optional.</param>
    /// <param name="restrictions">Node name → why that node is not quantized, whatever its ONNX form; optional.</param>
    /// <param name="operators">The quantizable kinds; <see cref="OperatorRegistry.Default"/> when null.</param>
    public static IReadOnlyList<LayerVerdict> Classify(ModelGraph graph, TensorInfoCatalog? tensors = null,
        IReadOnlyDictionary<string, string>? restrictions = null, OperatorRegistry? operators = null)
    {
        operators ??= OperatorRegistry.Default;
        return graph.Nodes.Select(node => Judge(graph, node, tensors, operators) is var verdict
                && restrictions is not null && restrictions.TryGetValue(node.Name, out var reason)
            ? verdict.KeptFloat(reason)
            : verdict).ToList();
    }

    private static LayerVerdict Judge(ModelGraph graph, Node node, TensorInfoCatalog? tensors, OperatorRegistry operators)
    {
        if (!node.IsStandard)
            return new LayerVerdict(node, null, $"operator of domain '{node.Domain}' is not quantized");
        if (operators.Find(node) is not { } kind)
            return new LayerVerdict(node, null, OperatorRegistry.FloatReason(node.OpType));
        var second = kind.SecondActivationInput(graph, node);
        var reason = kind.Restriction(graph, node) ?? InputTypeRestriction(node, 0, tensors) ?? (second is { } index ? InputTypeRestriction(node, index, tensors) : null);
        return new LayerVerdict(node, kind, reason, second);
    }

    private static string? InputTypeRestriction(Node node, int index, TensorInfoCatalog? tensors)
    {
        if (tensors is null || node.InputOrNull(index) is not { } input) return null;
        return tensors.Find(input) is { ElementType: var type } && type != DataType.Float
            ? $"input{(index == 0 ? "" : $" {index}")} is {type}, not float32"
            : null;
    }
}
