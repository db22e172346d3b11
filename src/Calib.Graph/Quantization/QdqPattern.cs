using Calib.Graph.Ir;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Quantization;

/// <summary>
/// Recognises ONNX's QuantizeLinear/DequantizeLinear patterns in any QDQ graph — calib's own
/// fake-quant and deploy models, or a QDQ export from another tool.
/// </summary>
public static class QdqPattern
{
    /// <summary>True for a QuantizeLinear of the default domain.</summary>
    public static bool IsQuantize(Node node) => node is { OpType: "QuantizeLinear", IsStandard: true };

    /// <summary>True for a DequantizeLinear of the default domain.</summary>
    public static bool IsDequantize(Node node) => node is { OpType: "DequantizeLinear", IsStandard: true };

    /// <summary>True for either.</summary>
    public static bool IsQdq(Node node) => IsQuantize(node) || IsDequantize(node);

    /// <summary>
    /// The float tensor x when <paramref name="tensor"/> is DequantizeLinear(QuantizeLinear(x)), else null.
    /// </summary>
    public static string? FakeQuantSource(ModelGraph graph, string tensor) =>
        graph.ProducerOf(tensor) is { } dq && IsDequantize(dq)
        && graph.ProducerOf(dq.Inputs[0]) is { } q && IsQuantize(q)
            ? q.Inputs[0]
            : null;

    /// <summary>
    /// The per-tensor 8-bit quantization of a DequantizeLinear's input (constant scalar scale and zero
    /// point, uint8 or int8); null when it is per-channel, blocked, of another type or not constant.
    /// </summary>
    public static ActivationQdq? PerTensorQuantization(ModelGraph graph, Node dequantize)
    {
        if (graph.ConstantValue(dequantize.Inputs[1]) is not { } scale || TensorData.ElementCount(scale) != 1) return null;
        var zeroPoint = dequantize.InputOrNull(2) is { } zp ? graph.ConstantValue(zp) : null;
        if (dequantize.InputOrNull(2) is not null && zeroPoint is null) return null;
        // A DequantizeLinear without a zero point reads uint8 with zero point 0 (ONNX's default).
        var type = zeroPoint is not null ? TensorData.TypeOf(zeroPoint) : DataType.Uint8;
        if (type is not (DataType.Uint8 or DataType.Int8)) return null;
        var zero = zeroPoint is null ? 0 : (int)TensorData.ReadInt64s(zeroPoint)[0];
        return new ActivationQdq(TensorData.ReadFloats(scale)[0], zero, type == DataType.Int8);
    }
}
