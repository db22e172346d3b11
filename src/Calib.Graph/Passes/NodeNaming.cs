using Calib.Graph.Ir;

namespace Calib.Graph.Passes;

/// <summary>
/// Gives every node a unique name (ONNX allows empty and repeated ones): layers are addressed
/// by name in configs, records and reports. Unnamed nodes become "&lt;OpType&gt;_&lt;n&gt;".
/// </summary>
public sealed class NodeNaming : IGraphPass
{
    /// <summary>The pass's name in change lists.</summary>
    public const string PassName = "node-names";

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public IReadOnlyList<string> Apply(OnnxModel model)
    {
        var graph = model.Graph;
        var changes = new List<string>();
        var taken = graph.Nodes.Select(n => n.Name).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            if (node.Name.Length > 0 && kept.Add(node.Name)) continue;
            var stem = node.Name.Length > 0 ? node.Name : node.OpType;
            var index = 0;
            string name;
            do name = $"{stem}_{index++}"; while (!taken.Add(name));
            kept.Add(name);
            changes.Add($"named {node.OpType} '{name}'");
            node.Name = name;
        }
        return changes;
    }
}
