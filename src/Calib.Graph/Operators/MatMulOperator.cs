using Calib.Graph.Ir;

namespace Calib.Graph.Operators;

/// <summary>
/// MatMul in its two forms: a fully connected layer with a constant 2-D weight [K, N] (no bias input), or
/// a product of two activations (attention's Q·Kᵀ and probabilities·V), whose second input is quantized as
/// an activation of its own instead of as a weight.
/// </summary>
public sealed class MatMulOperator : QuantizableOperator
{
    /// <inheritdoc/>
    public override string OpType => "MatMul";

    /// <inheritdoc/>
    public override string AmctType => "InnerProduct";

    /// <inheritdoc/>
    public override int? BiasInput => null;

    /// <inheritdoc/>
    public override string? Restriction(ModelGraph graph, Node node)
    {
        if (SecondActivationInput(graph, node) is null) return ConstantWeightRestriction(graph, node, 2, "weight");
        // A constant on the left (W·x) has its weight where the layer's data input should be.
        return graph.ConstantValue(node.Inputs[0]) is not null ? $"input 0 '{node.Inputs[0]}' is a constant and input 1 is not (weight on the left)" : null;
    }

    /// <summary>Input 1 when it is computed (not a constant): the MatMul multiplies two activations.</summary>
    public override int? SecondActivationInput(ModelGraph graph, Node node) =>
        node.Inputs.Count > 1 && graph.ConstantValue(node.Inputs[1]) is null ? 1 : null;

    /// <inheritdoc/>
    public override int WeightAxis(Node node) => 1;
}
