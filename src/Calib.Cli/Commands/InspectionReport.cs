using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Calib.Graph.Analysis;
using Calib.Graph.Caffe;
using Calib.Graph.Ir;
using Calib.Graph.Shapes;

namespace Calib.Cli.Commands;

/// <summary>What <c>calib inspect</c> reports; also its JSON schema (<c>--json</c>).</summary>
internal sealed record InspectionReport(
    string Model,
    string? Weights,
    CaffePreprocessing? Preprocessing,
    long Opset,
    IReadOnlyList<InspectionReport.TensorRow> Inputs,
    IReadOnlyList<InspectionReport.LayerRow> Layers)
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public int QuantizableCount => Layers.Count(l => l.Quantizable);

    public sealed record TensorRow(string Name, string Type, IReadOnlyList<object>? Shape);

    public sealed record LayerRow(
        int Index, string Name, string Op, bool Quantizable, string? Kind, string? Reason,
        string? Weight, IReadOnlyList<object>? WeightShape,
        string? Input, IReadOnlyList<object>? InputShape, string? Output, IReadOnlyList<object>? OutputShape);

    /// <summary>A shape for display: "[batch,1,28,28]", "[?]" when unknown.</summary>
    public static string Format(IReadOnlyList<object>? shape) => shape is null ? "[?]" : $"[{string.Join(",", shape)}]";

    /// <summary>The report; layers in <paramref name="disabled"/> are listed as skipped by config.</summary>
    public static InspectionReport Create(string path, string? weights, OnnxModel model, CaffePreprocessing? preprocessing,
        TensorInfoCatalog tensors, IReadOnlySet<string> disabled)
    {
        var graph = model.Graph;
        var inputs = graph.RuntimeInputs
            .Select(i => tensors.Find(i.Name) is { } info
                ? new TensorRow(i.Name, info.ElementType.ToString(), Dims(info))
                : new TensorRow(i.Name, "?", null))
            .ToList();
        var layers = QuantizableLayerFinder.Classify(model, tensors)
            .Select(verdict => disabled.Contains(verdict.Node.Name) && verdict.IsQuantizable
                ? LayerVerdict.NotQuantizable(verdict.Node, "skipped by config")
                : verdict)
            .Select((verdict, index) => Row(index, verdict, graph, tensors))
            .ToList();
        return new InspectionReport(path, weights, preprocessing, model.DefaultOpset, inputs, layers);
    }

    private static LayerRow Row(int index, LayerVerdict verdict, ModelGraph graph, TensorInfoCatalog tensors)
    {
        var node = verdict.Node;
        var weight = verdict.WeightName;
        var weightShape = weight is null ? null : graph.ConstantValue(weight)?.Dims.Cast<object>().ToList();
        return new LayerRow(
            index, node.DisplayName, node.OpType, verdict.IsQuantizable, verdict.Kind?.ToString(), verdict.Reason,
            weight, weightShape,
            node.InputOrNull(0), ShapeOf(node.InputOrNull(0), tensors),
            node.Outputs.FirstOrDefault(), ShapeOf(node.Outputs.FirstOrDefault(), tensors));
    }

    private static IReadOnlyList<object>? ShapeOf(string? tensor, TensorInfoCatalog tensors) =>
        tensor is not null && tensors.Find(tensor) is { } info ? Dims(info) : null;

    // JSON dimensions: a number when fixed, the symbol (or "?") when not.
    private static IReadOnlyList<object>? Dims(TensorInfo info) =>
        info.Shape?.Select(d => d.Value is { } v ? (object)v : d.Symbol ?? "?").ToList();
}
