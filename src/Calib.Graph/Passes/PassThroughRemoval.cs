using Calib.Graph.Ir;

namespace Calib.Graph.Passes;

/// <summary>
/// Removes nodes that do nothing at inference: Identity, Dropout (inference mode), and Pad
/// whose amounts are all zero (PyTorch exports one before AveragePool).
/// </summary>
public sealed class PassThroughRemoval : IGraphPass
{
    /// <summary>The pass's name in change lists.</summary>
    public const string PassName = "pass-through";

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public IReadOnlyList<string> Apply(OnnxModel model)
    {
        var graph = model.Graph;
        var subgraphReads = graph.NamesReadBySubgraphs();
        var changes = new List<string>();
        foreach (var node in graph.Nodes.Where(n => IsPassThrough(graph, n)).ToList())
            if (GraphRewrite.RemovePassThrough(graph, node, subgraphReads))
                changes.Add($"removed {node.OpType} '{node.DisplayName}'");
        return changes;
    }

    private static bool IsPassThrough(ModelGraph graph, Node node) => node.IsStandard && node.Inputs.Count > 0 && node.OpType switch
    {
        "Identity" => true,
        "Dropout" => !IsTrainingDropout(graph, node),
        "Pad" => PadsAreZero(graph, node),
        _ => false,
    };

    // Dropout-12+ takes training_mode as an optional input; only a constant false is inference.
    private static bool IsTrainingDropout(ModelGraph graph, Node node) =>
        node.InputOrNull(2) is { } mode && (graph.ConstantValue(mode) is not { } value || TensorData.ReadInt64s(value).Any(v => v != 0));

    private static bool PadsAreZero(ModelGraph graph, Node node)
    {
        var pads = node.Attributes.GetInts("pads")
            ?? (node.InputOrNull(1) is { } name && graph.ConstantValue(name) is { } value ? TensorData.ReadInt64s(value) : null);
        return pads is not null && pads.All(p => p == 0);
    }
}
