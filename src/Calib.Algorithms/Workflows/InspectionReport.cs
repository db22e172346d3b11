using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Calib.Algorithms.Preparation;
using Calib.Graph.Analysis;
using Calib.Graph.Caffe;
using Calib.Graph.Ir;
using Calib.Graph.Shapes;

namespace Calib.Algorithms.Workflows;

/// <summary>What <c>calib inspect</c> reports; also its JSON schema (<c>--json</c>).</summary>
/// <param name="Model">The model file.</param>
/// <param name="Weights">The Caffe caffemodel, when the model is a prototxt.</param>
/// <param name="Preprocessing">A Caffe train/test net's transform_param, when it has one.</param>
/// <param name="Opset">The prepared model's default-domain opset.</param>
/// <param name="Preparation">What preparation changed (folds, removals, upgrades), one entry per change.</param>
/// <param name="Inputs">The model's inputs.</param>
/// <param name="Layers">
/// Every node of the prepared model with its verdict; the nodes inside a control-flow node's bodies (If
/// branches, Loop and Scan bodies) follow it, float, named by their path ("if/then_branch/conv").
/// </param>
/// <param name="ShapesNote">Why shapes are shown as declared in the file only; null when ONNX Runtime inferred them.</param>
/// <param name="CaffeMerges">The Caffe layers the conversion joined (Scale into BatchNorm, …), one line each; null when none.</param>
public sealed record InspectionReport(
    string Model,
    string? Weights,
    CaffePreprocessing? Preprocessing,
    long Opset,
    IReadOnlyList<string> Preparation,
    IReadOnlyList<InspectionReport.TensorRow> Inputs,
    IReadOnlyList<InspectionReport.LayerRow> Layers,
    string? ShapesNote,
    string? CaffeMerges)
{
    /// <summary>The reason given to quantizable layers the configuration disables.</summary>
    public const string SkippedByConfig = "skipped by config";

    /// <summary>How the report is written as JSON.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>How many nodes are quantized.</summary>
    public int QuantizableCount => Layers.Count(l => l.Quantizable);

    /// <summary>A model input.</summary>
    /// <param name="Name">The input's name.</param>
    /// <param name="Type">Its element type, "?" when unknown.</param>
    /// <param name="Shape">Its dimensions (numbers, or symbols for dynamic ones); null when unknown.</param>
    public sealed record TensorRow(string Name, string Type, IReadOnlyList<object>? Shape);

    /// <summary>A node and its verdict.</summary>
    /// <param name="Index">Position in the prepared graph.</param>
    /// <param name="Name">The node's name.</param>
    /// <param name="Op">Its ONNX operator.</param>
    /// <param name="Quantizable">Whether calib quantizes it (under the configuration).</param>
    /// <param name="Kind">The quantized kind, when quantized.</param>
    /// <param name="Reason">Why it stays float, when it does.</param>
    /// <param name="Weight">The constant weight of a quantized layer that has one.</param>
    /// <param name="WeightShape">That weight's dimensions.</param>
    /// <param name="Input">The node's first input.</param>
    /// <param name="InputShape">Its dimensions, when known.</param>
    /// <param name="Output">The node's first output.</param>
    /// <param name="OutputShape">Its dimensions, when known.</param>
    /// <param name="Subgraph">
    /// For a node inside a control-flow body, that body's path ("if/then_branch"), and <paramref name="Index"/> is the
    /// control-flow node's; null for main-graph nodes.
    /// </param>
    /// <param name="SecondInput">The second activation a quantized MatMul of two activations reads in place of a weight.</param>
    public sealed record LayerRow(
        int Index, string Name, string Op, bool Quantizable, string? Kind, string? Reason,
        string? Weight, IReadOnlyList<object>? WeightShape,
        string? Input, IReadOnlyList<object>? InputShape, string? Output, IReadOnlyList<object>? OutputShape,
        string? Subgraph = null, string? SecondInput = null);

    /// <summary>A shape for display: "[batch,1,28,28]", "[?]" when unknown.</summary>
    public static string Format(IReadOnlyList<object>? shape) => shape is null ? "[?]" : $"[{string.Join(",", shape)}]";

    /// <summary>The report of a prepared model: the verdicts <c>run</c> uses, with the configuration's skips.</summary>
    public static InspectionReport Create(PreparedModel prepared)
    {
        var model = prepared.Model;
        var tensors = prepared.Tensors;
        var disabled = prepared.Config.Layers.Where(l => !l.Value.QuantEnable).Select(l => l.Key).ToHashSet(StringComparer.Ordinal);
        var inputs = model.Graph.RuntimeInputs
            .Select(i => tensors.Find(i.Name) is { } info
                ? new TensorRow(i.Name, info.ElementType.ToString(), Dims(info))
                : new TensorRow(i.Name, "?", null))
            .ToList();
        var layers = prepared.Verdicts
            .Select(verdict => verdict.IsQuantizable && disabled.Contains(verdict.Node.Name) ? verdict.KeptFloat(SkippedByConfig) : verdict)
            .SelectMany((verdict, index) => SubgraphNodes.Of(model.Graph, verdict.Node, prepared.Operators)
                .Select(inner => SubgraphRow(index, inner, tensors))
                .Prepend(Row(index, verdict, model.Graph, tensors)))
            .ToList();
        return new InspectionReport(prepared.Source.Path, prepared.Source.WeightsPath, prepared.Loaded.Preprocessing, model.DefaultOpset,
            prepared.Changes.Where(c => c.Pass != Graph.Passes.NodeNaming.PassName).Select(c => c.Description).ToList(), inputs, layers,
            prepared.TensorsNote,
            prepared.Loaded.Caffe is { MergedLayers.Count: > 0 } caffe ? CaffeNotices.JoinedPairs(caffe.MergedLayers) : null);
    }

    private static LayerRow Row(int index, LayerVerdict verdict, ModelGraph graph, TensorInfoCatalog tensors)
    {
        var node = verdict.Node;
        var weight = verdict.WeightName;
        var weightShape = weight is null ? null : graph.ConstantValue(weight)?.Dims.Cast<object>().ToList();
        return new LayerRow(
            index, node.DisplayName, node.OpType, verdict.IsQuantizable, verdict.Kind, verdict.Reason,
            weight, weightShape,
            node.InputOrNull(0), ShapeOf(node.InputOrNull(0), tensors),
            node.Outputs.FirstOrDefault(), ShapeOf(node.Outputs.FirstOrDefault(), tensors), SecondInput: verdict.SecondInput);
    }

    private static LayerRow SubgraphRow(int ownerIndex, SubgraphNode inner, TensorInfoCatalog tensors)
    {
        var node = inner.Node;
        return new LayerRow(
            ownerIndex, inner.Path, node.OpType, false, null, inner.Reason, null, null,
            node.InputOrNull(0), ShapeOf(node.InputOrNull(0), tensors),
            node.Outputs.FirstOrDefault(), ShapeOf(node.Outputs.FirstOrDefault(), tensors),
            inner.Path[..inner.Path.LastIndexOf('/')]);
    }

    private static IReadOnlyList<object>? ShapeOf(string? tensor, TensorInfoCatalog tensors) =>
        tensor is not null && tensors.Find(tensor) is { } info ? Dims(info) : null;

    // JSON dimensions: a number when fixed, the symbol (or "?") when not.
    private static IReadOnlyList<object>? Dims(TensorInfo info) =>
        info.Shape?.Select(d => d.Value is { } v ? (object)v : d.Symbol ?? "?").ToList();
}
