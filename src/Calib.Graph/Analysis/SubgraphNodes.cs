using Calib.Graph.Ir;
using Calib.Graph.Operators;

namespace Calib.Graph.Analysis;

/// <summary>A node inside a control-flow body (an If branch, a Loop or Scan body), which calib leaves in float.</summary>
/// <param name="Owner">The main-graph node holding the body, e.g. the If.</param>
/// <param name="Path">Where the node sits, e.g. "if/then_branch/conv_then" (nested bodies add their own steps).</param>
/// <param name="Node">The node itself.</param>
/// <param name="LooksQuantizable">
/// Whether calib would quantize it in the main graph: its operator is a quantizable kind (Conv, MatMul, …) and it
/// meets that kind's restriction, judged in its own scope (the body's constants and those of the scopes around it).
/// </param>
/// <param name="Reason">
/// Why it stays float: "inside an If branch: subgraph layers are not quantized", preceded by the kind's
/// restriction when that would keep it float anyway (e.g. "filter is 3-D, not 4-D; inside an If branch: …").
/// </param>
public sealed record SubgraphNode(Node Owner, string Path, Node Node, bool LooksQuantizable, string Reason);

/// <summary>
/// The nodes inside control-flow bodies. Calibration observes and rewrites the main graph only (ONNX
/// Runtime returns main-graph tensors; a body's tensors exist once per branch taken or iteration), so
/// these nodes stay float; listing them lets a report say so per layer instead of hiding them.
/// </summary>
public static class SubgraphNodes
{
    /// <summary>Every node in the bodies of <paramref name="owner"/>, depth first, nested bodies included.</summary>
    /// <param name="graph">The main graph holding <paramref name="owner"/> (bodies may read its constants).</param>
    /// <param name="owner">A main-graph node; most have no body and give nothing.</param>
    /// <param name="operators">The quantizable kinds; <see cref="OperatorRegistry.Default"/> when null.</param>
    public static IReadOnlyList<SubgraphNode> Of(ModelGraph graph, Node owner, OperatorRegistry? operators = null)
    {
        var found = new List<SubgraphNode>();
        Collect(owner, owner, owner.DisplayName, graph, operators ?? OperatorRegistry.Default, found);
        return found;
    }

    /// <summary>The reason nodes in a body of <paramref name="ownerOp"/> stay float.</summary>
    public static string ReasonFor(string ownerOp) => ownerOp switch
    {
        "If" => "inside an If branch: subgraph layers are not quantized",
        "Loop" => "inside a Loop body: subgraph layers are not quantized",
        "Scan" => "inside a Scan body: subgraph layers are not quantized",
        var other => $"inside a {other} subgraph: subgraph layers are not quantized",
    };

    private static void Collect(Node top, Node holder, string prefix, ModelGraph scope, OperatorRegistry operators, List<SubgraphNode> found)
    {
        foreach (var attribute in holder.Attributes.All)
        {
            var bodies = attribute.G is { } g ? [g] : attribute.Graphs.ToList();
            foreach (var (body, index) in bodies.Select((b, i) => (b, i)))
            {
                var step = bodies.Count == 1 ? attribute.Name : $"{attribute.Name}[{index}]";
                var inner = InnerScope(body, scope);
                foreach (var node in inner.Nodes)
                {
                    var path = $"{prefix}/{step}/{node.DisplayName}";
                    var kind = node.IsStandard ? operators.Find(node) : null;
                    var restriction = kind?.Restriction(inner, node);
                    var reason = restriction is null ? ReasonFor(holder.OpType) : $"{restriction}; {ReasonFor(holder.OpType)}";
                    found.Add(new SubgraphNode(top, path, node, kind is not null && restriction is null, reason));
                    Collect(top, node, path, inner, operators, found);
                }
            }
        }
    }

    /// <summary>A body as a graph that also sees the constants of the scopes around it, as ONNX's scoping rules let it.</summary>
    private static ModelGraph InnerScope(Onnx.Proto.GraphProto body, ModelGraph outer)
    {
        var inner = ModelGraph.FromProto(body);
        var defined = inner.Nodes.SelectMany(n => n.Outputs).Concat(inner.Inputs.Select(i => i.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var name in inner.Nodes.SelectMany(n => n.Inputs).Where(n => n.Length > 0 && !defined.Contains(n) && !inner.Initializers.ContainsKey(n)).Distinct())
            if (outer.ConstantValue(name) is { } value) inner.Initializers[name] = value;
        return inner;
    }
}
