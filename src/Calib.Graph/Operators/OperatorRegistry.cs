using Calib.Graph.Ir;

namespace Calib.Graph.Operators;

/// <summary>
/// The quantizable operator kinds calib knows, by ONNX operator name, and the layer-like operators
/// that always stay float with the reason reports give. Immutable: <see cref="With"/> makes an
/// extended copy, so a test or a library user can add a kind without touching the default.
/// </summary>
public sealed class OperatorRegistry
{
    private static readonly IReadOnlyDictionary<string, string> FloatLayerReasons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["GlobalAveragePool"] = "global pooling is not quantized",
        ["MaxPool"] = "MAX pooling is not quantized",
        ["GlobalMaxPool"] = "MAX pooling is not quantized",
        ["QuantizeLinear"] = "already a quantized operator",
        ["DequantizeLinear"] = "already a quantized operator",
        ["QLinearConv"] = "already a quantized operator",
        ["QLinearMatMul"] = "already a quantized operator",
        ["ConvInteger"] = "already a quantized operator",
        ["MatMulInteger"] = "already a quantized operator",
    };

    // Pooling layers of AMCT that stay float: reports list them next to the quantized layers.
    private static readonly HashSet<string> FloatLayerTypes = ["GlobalAveragePool", "MaxPool", "GlobalMaxPool"];

    private readonly Dictionary<string, QuantizableOperator> _byOpType;

    private OperatorRegistry(IEnumerable<QuantizableOperator> operators) =>
        _byOpType = operators.ToDictionary(o => o.OpType, StringComparer.Ordinal);

    /// <summary>AMCT's quantizable layers: Conv, ConvTranspose, Gemm, MatMul and AveragePool.</summary>
    public static OperatorRegistry Default { get; } = new(
    [
        new ConvOperator(),
        new ConvTransposeOperator(),
        new GemmOperator(),
        new MatMulOperator(),
        new AveragePoolOperator(),
    ]);

    /// <summary>A copy of this registry that also handles <paramref name="kind"/> (replacing a kind of the same operator).</summary>
    public OperatorRegistry With(QuantizableOperator kind) =>
        new(_byOpType.Values.Where(o => o.OpType != kind.OpType).Append(kind));

    /// <summary>The kind handling <paramref name="node"/>, or null when calib does not quantize its operator.</summary>
    public QuantizableOperator? Find(Node node) => node.IsStandard ? _byOpType.GetValueOrDefault(node.OpType) : null;

    /// <summary>The kind handling standard operator <paramref name="opType"/>, or null.</summary>
    public QuantizableOperator? Find(string opType) => _byOpType.GetValueOrDefault(opType);

    /// <summary>Why a node of an unregistered operator stays float: its known reason, or the generic one.</summary>
    public static string FloatReason(string opType) =>
        FloatLayerReasons.GetValueOrDefault(opType) ?? "not a quantizable layer type";

    /// <summary>True for operators reports list as layers: registered kinds and the pooling layers that stay float.</summary>
    public bool IsLayerType(string opType) => _byOpType.ContainsKey(opType) || FloatLayerTypes.Contains(opType);
}
