using Calib.Graph.Ir;

namespace Calib.Graph.Operators;

/// <summary>Fully connected layer as Gemm: untransposed input, a 2-D constant weight; computes A·B + β·C.</summary>
public sealed class GemmOperator : QuantizableOperator
{
    /// <inheritdoc/>
    public override string OpType => "Gemm";

    /// <inheritdoc/>
    public override string AmctType => "InnerProduct";

    /// <inheritdoc/>
    public override string? Restriction(ModelGraph graph, Node node) =>
        node.Attributes.GetInt("transA", 0) != 0
            ? "transA = 1 (input transposed)"
            : ConstantWeightRestriction(graph, node, 2, "weight");

    /// <summary>B is [N, K] with transB = 1 (output channels on axis 0), else [K, N].</summary>
    public override int WeightAxis(Node node) => TransposedWeight(node) ? 0 : 1;

    /// <inheritdoc/>
    public override float BiasFactor(Node node) => node.Attributes.GetFloat("beta", 1f);

    /// <inheritdoc/>
    public override void ClearBiasFactor(Node node) => node.Attributes.Set("beta", 1f);

    /// <inheritdoc/>
    public override bool FoldsBatchNorm(Node node) => node.Attributes.GetInt("transA", 0) == 0;

    /// <inheritdoc/>
    public override long? OutputChannelCount(Node node, long[] dims) =>
        dims.Length != 2 ? null : TransposedWeight(node) ? dims[0] : dims[1];

    /// <inheritdoc/>
    public override Func<int, int> OutputChannelOf(Node node, long[] dims)
    {
        var columns = (int)dims[1];
        return TransposedWeight(node) ? i => i / columns : i => i % columns;
    }

    private static bool TransposedWeight(Node node) => node.Attributes.GetInt("transB", 0) != 0;
}
