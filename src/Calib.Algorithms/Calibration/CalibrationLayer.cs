using Calib.Algorithms.Configuration;
using Calib.Graph.Analysis;
using Calib.Graph.Operators;

namespace Calib.Algorithms.Calibration;

/// <summary>A layer that will be quantized: where its input, weight and bias are, and its settings.</summary>
/// <param name="Name">The layer (node) name, unique in the prepared graph.</param>
/// <param name="Operator">Its quantizable kind (what calib knows about its operator).</param>
/// <param name="Input">The activation tensor it reads (quantized uint8/int8).</param>
/// <param name="Weight">The constant weight initializer, for layers that have one.</param>
/// <param name="Bias">The constant bias initializer, if any.</param>
/// <param name="WeightAxis">The weight's output-channel axis (see <see cref="QuantizableOperator.WeightAxis"/>).</param>
/// <param name="Settings">The layer's resolved quantization settings.</param>
/// <param name="SecondInput">
/// The second activation a MatMul of two activations reads in place of a weight (input 1), quantized with the
/// layer's activation settings; null for other layers.
/// </param>
public sealed record CalibrationLayer(
    string Name, QuantizableOperator Operator, string Input, string? Weight, string? Bias, int WeightAxis,
    LayerQuantSettings Settings, string? SecondInput = null)
{
    /// <summary>The ONNX operator.</summary>
    public string OpType => Operator.OpType;

    /// <summary>The activations the layer reads quantized: its input, then its second input when it has one.</summary>
    public IReadOnlyList<string> Activations => SecondInput is null ? [Input] : [Input, SecondInput];

    /// <summary>Describes a quantizable node of the prepared graph.</summary>
    public static CalibrationLayer From(LayerVerdict verdict, LayerQuantSettings settings)
    {
        var node = verdict.Node;
        var kind = verdict.Operator!;
        var bias = verdict.WeightName is not null && kind.BiasInput is { } index ? node.InputOrNull(index) : null;
        return new CalibrationLayer(node.Name, kind, node.Inputs[0], verdict.WeightName, bias, kind.WeightAxis(node), settings, verdict.SecondInput);
    }
}
