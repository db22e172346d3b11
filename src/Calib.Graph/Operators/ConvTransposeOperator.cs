using Calib.Graph.Ir;

namespace Calib.Graph.Operators;

/// <summary>Deconvolution: a 4-D constant filter [Cin, Cout/group, kh, kw], dilation 1 and group 1 (AMCT's restriction).</summary>
public sealed class ConvTransposeOperator : QuantizableOperator
{
    /// <inheritdoc/>
    public override string OpType => "ConvTranspose";

    /// <inheritdoc/>
    public override string AmctType => "Deconvolution";

    /// <inheritdoc/>
    public override string? Restriction(ModelGraph graph, Node node)
    {
        if ((ConstantWeightRestriction(graph, node, 4, "filter") ?? ConvOperator.DilationRestriction(node)) is { } reason) return reason;
        var group = node.Attributes.GetInt("group", 1);
        return group != 1 ? $"group {group} ≠ 1" : null;
    }

    /// <inheritdoc/>
    public override int WeightAxis(Node node) => 1;

    /// <inheritdoc/>
    public override bool FoldsBatchNorm(Node node) => true;

    /// <inheritdoc/>
    public override long? OutputChannelCount(Node node, long[] dims)
    {
        var group = node.Attributes.GetInt("group", 1);
        return group >= 1 && dims[0] % group == 0 ? dims[1] * group : null;
    }

    /// <inheritdoc/>
    public override Func<int, int> OutputChannelOf(Node node, long[] dims)
    {
        // Output channel = group index · Cout/group + j, for weight index [input, j, k…].
        var inner = (int)dims.Skip(2).Aggregate(1L, (a, b) => a * b);
        var group = (int)node.Attributes.GetInt("group", 1);
        var inPerGroup = (int)dims[0] / group;
        var outPerGroup = (int)dims[1];
        return i =>
        {
            var j = i / inner % outPerGroup;
            var input = i / (inner * outPerGroup);
            return input / inPerGroup * outPerGroup + j;
        };
    }
}
