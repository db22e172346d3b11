using Calib.Graph.Ir;

namespace Calib.Graph.Operators;

/// <summary>Non-global average pooling: quantized on its input only (global pooling stays float).</summary>
public sealed class AveragePoolOperator : QuantizableOperator
{
    /// <inheritdoc/>
    public override string OpType => "AveragePool";

    /// <inheritdoc/>
    public override string AmctType => "Pooling";

    /// <inheritdoc/>
    public override int? WeightInput => null;

    /// <inheritdoc/>
    public override int? BiasInput => null;

    /// <inheritdoc/>
    public override string? Restriction(ModelGraph graph, Node node) => null;
}
