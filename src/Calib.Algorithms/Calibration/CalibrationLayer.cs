using Calib.Algorithms.Configuration;
using Calib.Graph.Analysis;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Calibration;

/// <summary>A layer that will be quantized: where its input, weight and bias are, and its settings.</summary>
/// <param name="Name">The layer (node) name, unique in the prepared graph.</param>
/// <param name="OpType">The ONNX operator.</param>
/// <param name="Kind">Its quantizable kind.</param>
/// <param name="Input">The activation tensor it reads (quantized uint8/int8).</param>
/// <param name="Weight">The constant weight initializer, for layers that have one.</param>
/// <param name="Bias">The constant bias initializer, if any.</param>
/// <param name="WeightAxis">The weight's output-channel axis (0 for Conv/Gemm transB=1, 1 for ConvTranspose/Gemm transB=0/MatMul).</param>
/// <param name="Settings">The layer's resolved quantization settings.</param>
public sealed record CalibrationLayer(
    string Name, string OpType, QuantizableKind Kind, string Input, string? Weight, string? Bias, int WeightAxis,
    LayerQuantSettings Settings)
{
    /// <summary>Describes a quantizable node of the prepared graph.</summary>
    public static CalibrationLayer From(LayerVerdict verdict, LayerQuantSettings settings)
    {
        var node = verdict.Node;
        return new CalibrationLayer(
            node.Name, node.OpType, verdict.Kind!.Value, node.Inputs[0], verdict.WeightName,
            verdict.WeightName is null ? null : node.InputOrNull(2), WeightAxisOf(node), settings);
    }

    private static int WeightAxisOf(Node node) => node.OpType switch
    {
        "ConvTranspose" or "MatMul" => 1,
        "Gemm" => node.Attributes.GetInt("transB", 0) != 0 ? 0 : 1,
        _ => 0,
    };
}
