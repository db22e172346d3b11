using Calib.Graph.Ir;

namespace Calib.Graph.Operators;

/// <summary>Convolution: a 4-D constant filter [Cout, Cin/group, kh, kw], dilation 1 (AMCT's restriction).</summary>
public sealed class ConvOperator : QuantizableOperator
{
    /// <inheritdoc/>
    public override string OpType => "Conv";

    /// <inheritdoc/>
    public override string AmctType => "Convolution";

    /// <inheritdoc/>
    public override string? Restriction(ModelGraph graph, Node node) =>
        ConstantWeightRestriction(graph, node, 4, "filter") ?? DilationRestriction(node);

    /// <inheritdoc/>
    public override bool FoldsBatchNorm(Node node) => true;

    internal static string? DilationRestriction(Node node)
    {
        var dilations = node.Attributes.GetInts("dilations") ?? [];
        return dilations.Any(d => d != 1) ? $"dilation {FormatAll(dilations)} ≠ 1" : null;
    }
}
