using Calib.Graph.Ir;

namespace Calib.Graph.Passes;

/// <summary>
/// The operator changes between ONNX opsets 7 and 11 that alter a node's form or meaning, per the
/// ONNX operator changelog, each rewritten so the node computes the same result at opset 11+:
/// <list type="bullet">
/// <item>Upsample (7: scales attribute; 9: scales input; deprecated at 10) and Resize-10 become Resize-13
/// with <c>coordinate_transformation_mode=asymmetric</c> (and <c>nearest_mode=floor</c>), the old sampling;</item>
/// <item>Clip-6 min/max, Pad-2 pads/value (→ 11) and Slice-1 starts/ends/axes, TopK-1 k (→ 10) become inputs;</item>
/// <item>BatchNormalization-7 loses <c>spatial</c> (9; only the default 1 survives) and Scatter-9 becomes ScatterElements-11;</item>
/// <item>Dropout's mask output turned from the input type to bool at 10, so a used mask is refused.</item>
/// </list>
/// Operators whose later versions only widened types or accept negative axes need nothing. What the
/// later 11 → 13 step changes (axes inputs, Softmax's axis) is <see cref="OpsetUpgrade"/>'s own work.
/// </summary>
internal static class OldOpsetRewrites
{
    // Experimental or deprecated operators that no opset-13 runtime knows, with nothing standard to turn into.
    private static readonly HashSet<string> Removed = new(StringComparer.Ordinal)
    {
        "ATen", "Affine", "Crop", "DynamicSlice", "GRUUnit", "GivenTensorFill", "ImageScaler", "ParametricSoftplus", "Scale", "ScaledTanh",
    };

    /// <summary>Rewrites <paramref name="node"/> of an opset-<paramref name="from"/> model (7–10) into its opset-11 form.</summary>
    /// <exception cref="CalibException">The node cannot be upgraded; the message names the model file, the node and the op.</exception>
    public static void Rewrite(OnnxModel model, UniqueNames names, Node node, long from)
    {
        var graph = model.Graph;
        switch (node.OpType)
        {
            case "Upsample":
                ToResize(graph, names, node, model, from >= 9);
                break;
            case "Resize" when from == 10:
                ToResize(graph, names, node, model, scalesIsInput: true);
                break;
            case "Clip":
                MoveScalarToInput(graph, names, node, "min", 1);
                MoveScalarToInput(graph, names, node, "max", 2);
                break;
            case "Slice" when from < 10:
                var axes = node.Attributes.GetInts("axes");
                MoveIntsToInput(graph, names, node, "starts", 1, required: true, model);
                MoveIntsToInput(graph, names, node, "ends", 2, required: true, model);
                if (axes is not null) MoveIntsToInput(graph, names, node, "axes", 3, required: true, model);
                break;
            case "TopK" when from < 10:
                if (node.Attributes.Find("k") is not { } k) throw Refused(model, node, "it has no k attribute");
                node.Attributes.Remove("k");
                node.Inputs.Insert(1, AddInitializer(graph, names, node, "k", TensorData.FromInt64s([1], [k.I])));
                break;
            case "Pad":
                PadToInputs(graph, names, node, model);
                break;
            case "BatchNormalization":
                if (node.Attributes.GetInt("spatial", 1) != 1)
                    throw Refused(model, node, "spatial=0 (statistics per element, not per channel) has no equivalent after opset 9");
                node.Attributes.Remove("spatial");
                node.Attributes.Remove("consumed_inputs");
                node.Attributes.Remove("is_test");
                break;
            case "Scatter":
                node.OpType = "ScatterElements";
                break;
            case "Dropout" when from < 10 && node.Outputs.Count > 1 && node.Outputs[1].Length > 0:
                if (graph.ConsumersOf(node.Outputs[1]).Any() || graph.IsGraphOutput(node.Outputs[1]))
                    throw Refused(model, node, "its mask output is used, and the mask changed from the input's type to bool at opset 10");
                break;
            case var op when Removed.Contains(op):
                throw Refused(model, node, "it is an experimental operator that later opsets removed");
        }
    }

    /// <summary>The error for a node the upgrade cannot carry, naming the model file, the node and the op.</summary>
    public static CalibException Refused(OnnxModel model, Node node, string reason) =>
        new($"Model '{model.SourcePath ?? model.Graph.Name}' uses ONNX opset {model.DefaultOpset}, and calib cannot raise it to opset {OpsetUpgrade.TargetOpset}: " +
            $"node '{node.DisplayName}' ({node.OpType}): {reason}. Re-export the model at opset 13 or later.");

    // Upsample and Resize-10 sample at x_out / scale ("asymmetric"), nearest rounding down; Resize-11+ must be told.
    private static void ToResize(ModelGraph graph, UniqueNames names, Node node, OnnxModel model, bool scalesIsInput)
    {
        var mode = node.Attributes.Find("mode") is { } m ? m.S.ToStringUtf8() : "nearest";
        if (mode is not ("nearest" or "linear"))
            throw Refused(model, node, $"mode '{mode}' has no Resize equivalent (only nearest and linear do)");
        string scales;
        if (scalesIsInput)
        {
            scales = node.InputOrNull(1) ?? throw Refused(model, node, "it has no scales input");
        }
        else
        {
            var values = node.Attributes.GetFloats("scales") ?? throw Refused(model, node, "it has no scales attribute");
            scales = AddInitializer(graph, names, node, "scales", TensorData.FromFloats([values.Length], values));
        }
        var resize = new Node("Resize", node.Name, [node.Inputs[0], "", scales], node.Outputs) { Domain = node.Domain };
        resize.Attributes.Set("mode", mode);
        resize.Attributes.Set("coordinate_transformation_mode", "asymmetric");
        if (mode == "nearest") resize.Attributes.Set("nearest_mode", "floor");
        graph.Nodes[graph.Nodes.IndexOf(node)] = resize;
    }

    private static void PadToInputs(ModelGraph graph, UniqueNames names, Node node, OnnxModel model)
    {
        // Pad-1 named its pads "paddings"; 2 took the name that 11 turned into an input.
        var pads = node.Attributes.GetInts("pads") ?? node.Attributes.GetInts("paddings");
        if (node.Inputs.Count > 1) return;
        if (pads is null) throw Refused(model, node, "it has no pads attribute");
        var value = node.Attributes.GetFloat("value", 0f);
        node.Attributes.Remove("pads");
        node.Attributes.Remove("paddings");
        node.Attributes.Remove("value");
        node.Inputs.Add(AddInitializer(graph, names, node, "pads", TensorData.FromInt64s([pads.Length], pads)));
        // A zero fill is the input's default, which also keeps non-float data valid (the value input takes the data's type).
        if (value != 0f) node.Inputs.Add(AddInitializer(graph, names, node, "value", TensorData.Scalar(value)));
    }

    private static void MoveScalarToInput(ModelGraph graph, UniqueNames names, Node node, string attribute, int index)
    {
        if (node.Attributes.Find(attribute) is not { } a) return;
        node.Attributes.Remove(attribute);
        while (node.Inputs.Count <= index) node.Inputs.Add("");
        node.Inputs[index] = AddInitializer(graph, names, node, attribute, TensorData.Scalar(a.F));
    }

    private static void MoveIntsToInput(ModelGraph graph, UniqueNames names, Node node, string attribute, int index, bool required, OnnxModel model)
    {
        var values = node.Attributes.GetInts(attribute);
        if (values is null)
        {
            if (required) throw Refused(model, node, $"it has no {attribute} attribute");
            return;
        }
        node.Attributes.Remove(attribute);
        while (node.Inputs.Count < index) node.Inputs.Add("");
        node.Inputs.Insert(index, AddInitializer(graph, names, node, attribute, TensorData.FromInt64s([values.Length], values)));
    }

    private static string AddInitializer(ModelGraph graph, UniqueNames names, Node node, string what, Onnx.Proto.TensorProto tensor)
    {
        var name = names.Make($"{node.DisplayName}_{what}");
        graph.AddInitializer(name, tensor);
        return name;
    }
}
