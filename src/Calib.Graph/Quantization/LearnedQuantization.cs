using Calib.Graph.Ir;
using Calib.Graph.Passes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Quantization;

/// <summary>
/// A QDQ model taken apart (a fine-tuned model exported from PyTorch, or any model with
/// QuantizeLinear → DequantizeLinear pairs): the float graph without the pairs, and the
/// quantization each pair applied, by the float tensor it quantized.
/// </summary>
/// <param name="FloatModel">The model with every Q/DQ pair removed (readers see the float tensor again).</param>
/// <param name="Activations">Per-tensor quantization of non-constant tensors.</param>
/// <param name="Weights">Quantization of constant float tensors (weights): scales and channel axis.</param>
public sealed record LearnedQuantization(
    OnnxModel FloatModel,
    IReadOnlyDictionary<string, ActivationQdq> Activations,
    IReadOnlyDictionary<string, LearnedWeightScales> Weights)
{
    /// <summary>Reads the Q/DQ pairs of <paramref name="qdqModel"/> (left unchanged).</summary>
    /// <exception cref="CalibException">A pair that calib cannot represent (e.g. weights with a zero point).</exception>
    public static LearnedQuantization Read(OnnxModel qdqModel)
    {
        var model = qdqModel.Clone();
        // Exports route zero points through Identity/Constant nodes; make every constant an initializer first.
        new ConstantNodesToInitializers().Apply(model);
        new PassThroughRemoval().Apply(model);
        var graph = model.Graph;
        var activations = new Dictionary<string, ActivationQdq>(StringComparer.Ordinal);
        var weights = new Dictionary<string, LearnedWeightScales>(StringComparer.Ordinal);
        foreach (var dequantize in graph.Nodes.Where(QdqPattern.IsDequantize))
        {
            if (graph.ProducerOf(dequantize.Inputs[0]) is not { } quantize || !QdqPattern.IsQuantize(quantize)) continue;
            var source = quantize.Inputs[0];
            var scales = TensorData.ReadFloats(Constant(graph, quantize, 1, "scale"));
            var zeroPoint = quantize.InputOrNull(2) is { } zp ? graph.ConstantValue(zp) : null;
            var zeroPoints = zeroPoint is null ? new long[scales.Length] : TensorData.ReadInt64s(zeroPoint);
            var signed = zeroPoint is not null && TensorData.TypeOf(zeroPoint) == DataType.Int8;
            if (graph.ConstantValue(source) is { DataType: (int)DataType.Float })
            {
                if (zeroPoints.Any(z => z != 0))
                    throw new CalibException($"Weight '{source}' is quantized with a non-zero zero point by '{quantize.DisplayName}'; calib's int8 weights are symmetric. Re-export with a symmetric weight fake-quantizer.");
                weights[source] = new LearnedWeightScales(scales, (int)quantize.Attributes.GetInt("axis", 1));
            }
            else
            {
                if (scales.Length != 1)
                    throw new CalibException($"Tensor '{source}' is quantized per channel by '{quantize.DisplayName}'; calib quantizes activations per tensor.");
                activations[source] = new ActivationQdq(scales[0], (int)zeroPoints[0], signed);
            }
        }
        QdqStripping.Apply(graph, _ => true, graphOutputs: true);
        return new LearnedQuantization(model, activations, weights);
    }

    private static Onnx.Proto.TensorProto Constant(ModelGraph graph, Node node, int input, string what) =>
        node.InputOrNull(input) is { } name && graph.ConstantValue(name) is { } value
            ? value
            : throw new CalibException($"'{node.DisplayName}': its {what} is not a constant; calib imports fixed quantization parameters only.");
}

/// <summary>Learned weight scales: one per channel along <paramref name="Axis"/>, or one.</summary>
/// <param name="Scales">The scales.</param>
/// <param name="Axis">The channel axis (QuantizeLinear's axis attribute).</param>
public sealed record LearnedWeightScales(float[] Scales, int Axis);
