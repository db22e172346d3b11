using Calib.Graph.Onnx.Proto;

namespace Calib.Graph.Ir;

/// <summary>
/// One operator application in a <see cref="Graph"/>. Inputs and outputs are tensor names;
/// an empty string stands for an omitted optional input or output, as in ONNX.
/// </summary>
public sealed class Node
{
    /// <summary>Creates a node in the default (ai.onnx) domain.</summary>
    public Node(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs)
        : this(opType, name, inputs, outputs, new NodeAttributes([]), new NodeProto()) { }

    private Node(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs,
        NodeAttributes attributes, NodeProto extras)
    {
        OpType = opType;
        Name = name;
        Inputs = inputs.ToList();
        Outputs = outputs.ToList();
        Attributes = attributes;
        _extras = extras;
    }

    // What calib does not model (doc_string, metadata_props, overload, unknown fields)
    // rides along here so that saving gives back what was loaded.
    private readonly NodeProto _extras;

    /// <summary>The node's name; may be empty in ONNX files (see <see cref="DisplayName"/>).</summary>
    public string Name { get; set; }

    /// <summary>The operator, e.g. "Conv".</summary>
    public string OpType { get; set; }

    /// <summary>The operator set domain; empty for the default ai.onnx domain.</summary>
    public string Domain { get; set; } = "";

    /// <summary>Input tensor names, in operator order.</summary>
    public List<string> Inputs { get; }

    /// <summary>Output tensor names, in operator order.</summary>
    public List<string> Outputs { get; }

    /// <summary>The node's attributes.</summary>
    public NodeAttributes Attributes { get; }

    /// <summary>The name, or "&lt;OpType&gt;(&lt;first output&gt;)" for unnamed nodes, for messages and reports.</summary>
    public string DisplayName => Name.Length > 0 ? Name : $"{OpType}({Outputs.FirstOrDefault() ?? ""})";

    /// <summary>Input <paramref name="index"/>, or null when absent or omitted.</summary>
    public string? InputOrNull(int index) =>
        index < Inputs.Count && Inputs[index].Length > 0 ? Inputs[index] : null;

    /// <summary>True when this node is in the default ai.onnx domain.</summary>
    public bool IsStandard => Domain is "" or "ai.onnx";

    /// <inheritdoc/>
    public override string ToString() => $"{OpType} '{DisplayName}'";

    internal static Node FromProto(NodeProto proto)
    {
        var extras = proto.Clone();
        extras.Input.Clear();
        extras.Output.Clear();
        extras.Attribute.Clear();
        extras.Name = "";
        extras.OpType = "";
        extras.Domain = "";
        return new Node(proto.OpType, proto.Name, proto.Input, proto.Output, new NodeAttributes(proto.Attribute), extras)
        {
            Domain = proto.Domain,
        };
    }

    internal NodeProto ToProto()
    {
        var proto = _extras.Clone();
        proto.Name = Name;
        proto.OpType = OpType;
        proto.Domain = Domain;
        proto.Input.AddRange(Inputs);
        proto.Output.AddRange(Outputs);
        proto.Attribute.AddRange(Attributes.All.Select(a => a.Clone()));
        return proto;
    }
}
