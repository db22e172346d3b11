using Calib.Graph.Ir;
using Calib.Graph.Operators;

namespace Calib.Graph.Analysis;

/// <summary>Whether a node is quantized, and why not when it is not.</summary>
/// <param name="Node">The node judged.</param>
/// <param name="Operator">The quantizable kind of its operator; null when calib never quantizes the operator.</param>
/// <param name="Reason">Why the node is not quantized; null when it is.</param>
/// <param name="SecondActivationIndex">
/// The input the layer multiplies by in place of a weight (see <see cref="QuantizableOperator.SecondActivationInput"/>); null for most.
/// </param>
public sealed record LayerVerdict(Node Node, QuantizableOperator? Operator, string? Reason, int? SecondActivationIndex = null)
{
    /// <summary>True when calib quantizes this node.</summary>
    public bool IsQuantizable => Operator is not null && Reason is null;

    /// <summary>The quantized kind's name (its ONNX operator) when quantizable.</summary>
    public string? Kind => IsQuantizable ? Operator!.OpType : null;

    /// <summary>The name of the constant weight input for quantizable layers that have one.</summary>
    public string? WeightName => IsQuantizable && SecondActivationIndex is null && Operator!.WeightInput is { } index ? Node.InputOrNull(index) : null;

    /// <summary>The second activation a quantizable layer multiplies by (attention's Kᵀ or V), quantized as an activation; null for most.</summary>
    public string? SecondInput => IsQuantizable && SecondActivationIndex is { } index ? Node.Inputs[index] : null;

    /// <summary>This verdict with the node kept float for <paramref name="reason"/> (e.g. a configuration's skip).</summary>
    public LayerVerdict KeptFloat(string reason) => this with { Reason = reason };
}
