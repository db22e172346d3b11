using Calib.Graph.Ir;

namespace Calib.Graph.Operators;

/// <summary>Fully connected layer as MatMul with a constant 2-D weight [K, N] (no bias input).</summary>
public sealed class MatMulOperator : QuantizableOperator
{
    /// <inheritdoc/>
    public override string OpType => "MatMul";

    /// <inheritdoc/>
    public override string AmctType => "InnerProduct";

    /// <inheritdoc/>
    public override int? BiasInput => null;

    /// <inheritdoc/>
    public override string? Restriction(ModelGraph graph, Node node) => ConstantWeightRestriction(graph, node, 2, "weight");

    /// <inheritdoc/>
    public override int WeightAxis(Node node) => 1;
}
