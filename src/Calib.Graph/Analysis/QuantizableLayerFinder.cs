using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Calib.Graph.Shapes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Analysis;

/// <summary>
/// Decides which nodes calib quantizes, with AMCT's restrictions (SPEC §3): Conv with a
/// 4-D constant filter and dilation 1; ConvTranspose likewise and group 1; Gemm with an
/// untransposed input and constant weight; MatMul with a constant 2-D weight; non-global
/// AveragePool. Every other node gets the reason it stays float. Restrictions known only to the
/// source framework (see <see cref="LayerRestrictions"/>) override the ONNX rules by node name.
/// </summary>
public static class QuantizableLayerFinder
{
    /// <summary>A verdict for every node of <paramref name="model"/>, honouring the restrictions stored in it.</summary>
    /// <param name="model">The model to judge.</param>
    /// <param name="tensors">Tensor types, to reject layers whose input is not float32; optional.</param>
    public static IReadOnlyList<LayerVerdict> Classify(OnnxModel model, TensorInfoCatalog? tensors = null) =>
        Classify(model.Graph, tensors, LayerRestrictions.Of(model));

    /// <summary>A verdict for every node of <paramref name="graph"/>, in node order.</summary>
    /// <param name="graph">The graph to judge.</param>
    /// <param name="tensors">Tensor types, to reject layers whose input is not float32; optional.</param>
    /// <param name="restrictions">Node name → why that node is not quantized, whatever its ONNX form; optional.</param>
    public static IReadOnlyList<LayerVerdict> Classify(ModelGraph graph, TensorInfoCatalog? tensors = null,
        IReadOnlyDictionary<string, string>? restrictions = null) =>
        graph.Nodes.Select(node => restrictions is not null && restrictions.TryGetValue(node.Name, out var reason)
            ? LayerVerdict.NotQuantizable(node, reason)
            : Judge(graph, node, tensors)).ToList();

    private static LayerVerdict Judge(ModelGraph graph, Node node, TensorInfoCatalog? tensors)
    {
        if (!node.IsStandard)
            return LayerVerdict.NotQuantizable(node, $"operator of domain '{node.Domain}' is not quantized");
        var (kind, reason) = node.OpType switch
        {
            "Conv" => (QuantizableKind.Conv, ConvRestriction(graph, node, transposed: false)),
            "ConvTranspose" => (QuantizableKind.ConvTranspose, ConvRestriction(graph, node, transposed: true)),
            "Gemm" => (QuantizableKind.Gemm, GemmRestriction(graph, node)),
            "MatMul" => (QuantizableKind.MatMul, MatMulRestriction(graph, node)),
            "AveragePool" => (QuantizableKind.AveragePool, null),
            "GlobalAveragePool" => ((QuantizableKind?)null, "global pooling is not quantized"),
            "MaxPool" or "GlobalMaxPool" => (null, "MAX pooling is not quantized"),
            "QuantizeLinear" or "DequantizeLinear" or "QLinearConv" or "QLinearMatMul" or "ConvInteger" or "MatMulInteger"
                => (null, "already a quantized operator"),
            _ => (null, "not a quantizable layer type"),
        };
        reason ??= InputTypeRestriction(node, tensors);
        return kind is { } k && reason is null
            ? LayerVerdict.Quantizable(node, k)
            : LayerVerdict.NotQuantizable(node, reason ?? "not a quantizable layer type");
    }

    private static string? ConvRestriction(ModelGraph graph, Node node, bool transposed)
    {
        if (WeightRestriction(graph, node, out var weight) is { } reason) return reason;
        if (weight!.Dims.Count != 4) return $"filter is {weight.Dims.Count}-D, not 4-D";
        var dilations = node.Attributes.GetInts("dilations") ?? [];
        if (dilations.Any(d => d != 1)) return $"dilation {FormatAll(dilations)} ≠ 1";
        var group = node.Attributes.GetInt("group", 1);
        if (transposed && group != 1) return $"group {group} ≠ 1";
        return null;
    }

    private static string? GemmRestriction(ModelGraph graph, Node node)
    {
        if (node.Attributes.GetInt("transA", 0) != 0) return "transA = 1 (input transposed)";
        if (WeightRestriction(graph, node, out var weight) is { } reason) return reason;
        return weight!.Dims.Count != 2 ? $"weight is {weight.Dims.Count}-D, not 2-D" : null;
    }

    private static string? MatMulRestriction(ModelGraph graph, Node node)
    {
        if (WeightRestriction(graph, node, out var weight) is { } reason) return reason;
        return weight!.Dims.Count != 2 ? $"weight is {weight.Dims.Count}-D, not 2-D" : null;
    }

    private static string? WeightRestriction(ModelGraph graph, Node node, out TensorProto? weight)
    {
        weight = node.InputOrNull(1) is { } name ? graph.ConstantValue(name) : null;
        if (weight is null) return $"weight '{node.InputOrNull(1) ?? ""}' is not a constant";
        var type = TensorData.TypeOf(weight);
        return type == DataType.Float ? null : $"weight is {type}, not float32";
    }

    private static string? InputTypeRestriction(Node node, TensorInfoCatalog? tensors)
    {
        if (tensors is null || node.InputOrNull(0) is not { } input) return null;
        return tensors.Find(input) is { ElementType: var type } && type != DataType.Float
            ? $"input is {type}, not float32"
            : null;
    }

    private static string FormatAll(long[] values) =>
        values.Distinct().Count() == 1 ? values[0].ToString() : string.Join("x", values);
}
