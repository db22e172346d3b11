using Calib.Graph.Ir;
using Calib.Graph.Operators;

namespace Calib.Graph.Analysis;

/// <summary>A node inside a control-flow body (an If branch, a Loop or Scan body), which calib leaves in float.</summary>
/// <param name="Owner">The main-graph node holding the body, e.g. the If.</param>
/// <param name="Path">Where the node sits, e.g. "if/then_branch/conv_then" (nested bodies add their own steps).</param>
/// <param name="Node">The node itself.</param>
/// <param name="LooksQuantizable">Whether its operator is one calib quantizes in the main graph (Conv, MatMul, …).</param>
/// <param name="Reason">Why it stays float, e.g. "inside an If branch: subgraph layers are not quantized".</param>
public sealed record SubgraphNode(Node Owner, string Path, Node Node, bool LooksQuantizable, string Reason);

/// <summary>
/// The nodes inside control-flow bodies. Calibration observes and rewrites the main graph only (ONNX
/// Runtime returns main-graph tensors; a body's tensors exist once per branch taken or iteration), so
/// these nodes stay float; listing them lets a report say so per layer instead of hiding them.
/// </summary>
public static class SubgraphNodes
{
    /// <summary>Every node in the bodies of <paramref name="owner"/>, depth first, nested bodies included.</summary>
    /// <param name="owner">A main-graph node; most have no body and give nothing.</param>
    /// <param name="operators">The quantizable kinds; <see cref="OperatorRegistry.Default"/> when null.</param>
    public static IReadOnlyList<SubgraphNode> Of(Node owner, OperatorRegistry? operators = null)
    {
        var found = new List<SubgraphNode>();
        Collect(owner, owner, owner.DisplayName, operators ?? OperatorRegistry.Default, found);
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

    private static void Collect(Node top, Node holder, string prefix, OperatorRegistry operators, List<SubgraphNode> found)
    {
        foreach (var attribute in holder.Attributes.All)
        {
            var bodies = attribute.G is { } g ? [g] : attribute.Graphs.ToList();
            foreach (var (body, index) in bodies.Select((b, i) => (b, i)))
            {
                var step = bodies.Count == 1 ? attribute.Name : $"{attribute.Name}[{index}]";
                foreach (var proto in body.Node)
                {
                    var node = Node.FromProto(proto);
                    var path = $"{prefix}/{step}/{node.DisplayName}";
                    found.Add(new SubgraphNode(top, path, node, node.IsStandard && operators.Find(node) is not null, ReasonFor(holder.OpType)));
                    Collect(top, node, path, operators, found);
                }
            }
        }
    }
}
