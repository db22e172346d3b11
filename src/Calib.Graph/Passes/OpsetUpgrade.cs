using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;

namespace Calib.Graph.Passes;

/// <summary>
/// Raises a model of ONNX opset 7 to 12 to opset 13, where QuantizeLinear/DequantizeLinear take
/// a per-channel axis. Models older than 11 first get the rewrites of <see cref="OldOpsetRewrites"/>
/// (Upsample → Resize, Clip/Pad/Slice/TopK attributes → inputs, BatchNormalization, Scatter); between
/// 11 and 13 only a few operators changed meaning, rewritten to keep their results: Squeeze, Unsqueeze,
/// ReduceSum and Split take axes/split as inputs, Softmax, LogSoftmax and Hardmax work on one axis
/// instead of a flattened 2-D view, and Dropout loses its ratio attribute. Models with subgraphs or of
/// other opsets are left as they are; a node the upgrade cannot carry is an error naming it.
/// </summary>
public sealed class OpsetUpgrade : IGraphPass
{
    /// <summary>The opset this pass upgrades to.</summary>
    public const long TargetOpset = 13;

    /// <summary>The oldest opset this pass upgrades.</summary>
    public const long OldestOpset = 7;

    // Opset 13 needs IR version 7 (ONNX's versioning table); older files declare older ones.
    private const long TargetIrVersion = 7;

    /// <summary>The pass's name in change lists.</summary>
    public const string PassName = "opset-upgrade";

    /// <inheritdoc/>
    public string Name => PassName;

    /// <summary>Why the model cannot be upgraded, or null when it can (or need not be).</summary>
    public static string? Obstacle(OnnxModel model)
    {
        var opset = model.DefaultOpset;
        if (opset is < OldestOpset or >= TargetOpset) return opset < OldestOpset ? $"opset {opset} is older than {OldestOpset}" : null;
        if (model.Graph.Nodes.Any(n => n.Attributes.All.Any(a => a.G is not null || a.Graphs.Count > 0)))
            return "it has control-flow subgraphs";
        return null;
    }

    /// <inheritdoc/>
    /// <exception cref="CalibException">A node cannot be upgraded (named with the model's file and its op).</exception>
    public IReadOnlyList<string> Apply(OnnxModel model)
    {
        var from = model.DefaultOpset;
        if (from >= TargetOpset || Obstacle(model) is not null) return [];
        var graph = model.Graph;
        var names = graph.NameScope();
        if (from < 11)
            foreach (var node in graph.Nodes.Where(n => n.IsStandard).ToList())
                OldOpsetRewrites.Rewrite(model, names, node, from);
        foreach (var node in graph.Nodes.Where(n => n.IsStandard).ToList())
        {
            switch (node.OpType)
            {
                case "Squeeze" or "Unsqueeze" or "ReduceSum":
                    MoveIntsToInput(graph, names, node, "axes", 1);
                    break;
                case "Split":
                    MoveIntsToInput(graph, names, node, "split", 1);
                    break;
                case "Softmax" or "LogSoftmax" or "Hardmax":
                    KeepFlattenedSemantics(graph, names, node);
                    break;
                case "Dropout":
                    node.Attributes.Remove("ratio");
                    break;
            }
        }
        model.SetOpset(model.Opsets.ContainsKey("ai.onnx") ? "ai.onnx" : "", TargetOpset);
        model.IrVersion = Math.Max(model.IrVersion, TargetIrVersion);
        return [$"upgraded opset {from} → {TargetOpset}"];
    }

    private static void MoveIntsToInput(ModelGraph graph, UniqueNames names, Node node, string attribute, int index)
    {
        if (node.Attributes.GetInts(attribute) is not { } values) return;
        node.Attributes.Remove(attribute);
        var name = names.Make($"{node.Name}_{attribute}");
        graph.AddInitializer(name, TensorData.FromInt64s([values.Length], values));
        while (node.Inputs.Count < index) node.Inputs.Add("");
        node.Inputs.Insert(index, name);
    }

    // Before opset 13 these ops flatten the input to 2-D at `axis` (default 1) and work on the second
    // dimension; Flatten → op(axis −1) → Reshape back reproduces that exactly. axis −1 needs nothing.
    private static void KeepFlattenedSemantics(ModelGraph graph, UniqueNames names, Node node)
    {
        var axis = node.Attributes.GetInt("axis", 1);
        node.Attributes.Set("axis", -1L);
        if (axis == -1) return;
        var input = node.Inputs[0];
        var output = node.Outputs[0];
        var flat = names.Make($"{input}_flattened");
        var shape = names.Make($"{input}_shape");
        var flatOutput = names.Make($"{output}_flat");
        var index = graph.Nodes.IndexOf(node);
        var flatten = new Node("Flatten", names.Make($"{node.Name}_flatten"), [input], [flat]);
        flatten.Attributes.Set("axis", axis);
        graph.Nodes.Insert(index, flatten);
        graph.Nodes.Insert(index + 1, new Node("Shape", names.Make($"{node.Name}_shape"), [input], [shape]));
        node.Inputs[0] = flat;
        node.Outputs[0] = flatOutput;
        graph.Nodes.Insert(graph.Nodes.IndexOf(node) + 1, new Node("Reshape", names.Make($"{node.Name}_reshape"), [flatOutput, shape], [output]));
    }
}
