using Calib.Graph.Ir;

namespace Calib.Graph.Passes;

/// <summary>
/// Turns Constant nodes into initializers, so that later passes and the quantizers find every
/// constant (Clip bounds, Pad amounts, weights) in one place.
/// </summary>
public sealed class ConstantNodesToInitializers : IGraphPass
{
    /// <summary>The pass's name in change lists.</summary>
    public const string PassName = "constant-nodes";

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public IReadOnlyList<string> Apply(OnnxModel model)
    {
        var graph = model.Graph;
        var subgraphReads = graph.NamesReadBySubgraphs();
        var changes = new List<string>();
        foreach (var node in graph.Nodes.Where(n => n is { OpType: "Constant", IsStandard: true }).ToList())
        {
            var output = node.Outputs[0];
            // Sparse constants stay nodes; an initializer that is also a graph output is fine.
            if (graph.ConstantValue(output) is not { } value || subgraphReads.Contains(output)) continue;
            graph.Nodes.Remove(node);
            graph.AddInitializer(output, value.Clone());
            changes.Add($"Constant '{node.DisplayName}' → initializer '{output}'");
        }
        return changes;
    }
}
