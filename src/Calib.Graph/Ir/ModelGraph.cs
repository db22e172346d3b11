using Calib.Graph.Onnx.Proto;

namespace Calib.Graph.Ir;

/// <summary>
/// A computation graph: nodes in topological order, constant initializers, declared inputs
/// and outputs, and the type/shape annotations (value infos) of intermediate tensors.
/// Subgraphs of control-flow nodes stay inside their node's attributes, untouched.
/// </summary>
public sealed class ModelGraph
{
    // What calib does not model (doc_string, sparse initializers, quantization annotations,
    // metadata, unknown fields) rides along here so that saving gives back what was loaded.
    private readonly GraphProto _extras;

    /// <summary>Creates an empty graph.</summary>
    public ModelGraph(string name) : this(name, new GraphProto()) { }

    private ModelGraph(string name, GraphProto extras)
    {
        Name = name;
        _extras = extras;
    }

    /// <summary>The names of the sparse initializers, which calib carries along without modelling them.</summary>
    internal IEnumerable<string> SparseInitializerNames => _extras.SparseInitializer.Select(s => s.Values?.Name ?? "");

    /// <summary>The graph's name.</summary>
    public string Name { get; set; }

    /// <summary>The nodes, in topological order.</summary>
    public List<Node> Nodes { get; } = [];

    /// <summary>Constant tensors by name, in file order.</summary>
    public OrderedDictionary<string, TensorProto> Initializers { get; } = new(StringComparer.Ordinal);

    /// <summary>Declared graph inputs (may include initializers in models of IR version &lt; 4).</summary>
    public List<ValueInfoProto> Inputs { get; } = [];

    /// <summary>Declared graph outputs.</summary>
    public List<ValueInfoProto> Outputs { get; } = [];

    /// <summary>Type/shape annotations of intermediate tensors, by tensor name.</summary>
    public OrderedDictionary<string, ValueInfoProto> ValueInfos { get; } = new(StringComparer.Ordinal);

    /// <summary>The graph inputs that are fed at run time (not initializers).</summary>
    public IEnumerable<ValueInfoProto> RuntimeInputs => Inputs.Where(i => !Initializers.ContainsKey(i.Name));

    /// <summary>Appends a node in the default domain and returns it.</summary>
    public Node AddNode(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs)
    {
        var node = new Node(opType, name, inputs, outputs);
        Nodes.Add(node);
        return node;
    }

    /// <summary>Adds (or replaces) an initializer under <paramref name="name"/>.</summary>
    public void AddInitializer(string name, TensorProto tensor)
    {
        tensor.Name = name;
        Initializers[name] = tensor;
    }

    /// <summary>The node that produces <paramref name="tensor"/>, or null for inputs and initializers.</summary>
    public Node? ProducerOf(string tensor) => Nodes.FirstOrDefault(n => n.Outputs.Contains(tensor));

    /// <summary>The nodes of this graph (not of subgraphs) that read <paramref name="tensor"/>.</summary>
    public IEnumerable<Node> ConsumersOf(string tensor) => Nodes.Where(n => n.Inputs.Contains(tensor));

    /// <summary>True when <paramref name="tensor"/> is one of the graph's outputs.</summary>
    public bool IsGraphOutput(string tensor) => Outputs.Any(o => o.Name == tensor);

    /// <summary>
    /// The constant value of <paramref name="tensor"/>: an initializer, or the value of a
    /// Constant node; null when the tensor is computed at run time.
    /// </summary>
    public TensorProto? ConstantValue(string tensor)
    {
        if (Initializers.TryGetValue(tensor, out var init)) return init;
        return ProducerOf(tensor) is { OpType: "Constant", IsStandard: true } constant
            ? ConstantNodeValue(constant)
            : null;
    }

    /// <summary>
    /// The names that subgraphs (If/Loop/Scan bodies, at any depth) read from this graph's scope;
    /// passes must not remove or rename these tensors.
    /// </summary>
    public IReadOnlySet<string> NamesReadBySubgraphs()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in Nodes)
            foreach (var attribute in node.Attributes.All)
            {
                if (attribute.G is { } g) CollectReads(g, names);
                foreach (var sub in attribute.Graphs) CollectReads(sub, names);
            }
        return names;
    }

    /// <summary>
    /// The names used in this graph now, for making many new names in a row without rescanning the
    /// graph each time; names it makes are remembered.
    /// </summary>
    public UniqueNames NameScope()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in Nodes)
        {
            used.Add(n.Name);
            used.UnionWith(n.Inputs);
            used.UnionWith(n.Outputs);
        }
        used.UnionWith(Initializers.Keys);
        used.UnionWith(Inputs.Select(i => i.Name));
        used.UnionWith(Outputs.Select(o => o.Name));
        return new UniqueNames(used);
    }

    internal static ModelGraph FromProto(GraphProto proto)
    {
        var extras = proto.Clone();
        extras.Node.Clear();
        extras.Initializer.Clear();
        extras.Input.Clear();
        extras.Output.Clear();
        extras.ValueInfo.Clear();
        extras.Name = "";
        var graph = new ModelGraph(proto.Name, extras);
        graph.Nodes.AddRange(proto.Node.Select(Node.FromProto));
        foreach (var t in proto.Initializer) graph.Initializers[t.Name] = t;
        graph.Inputs.AddRange(proto.Input);
        graph.Outputs.AddRange(proto.Output);
        foreach (var v in proto.ValueInfo) graph.ValueInfos[v.Name] = v;
        return graph;
    }

    internal GraphProto ToProto()
    {
        var proto = _extras.Clone();
        proto.Name = Name;
        proto.Node.AddRange(Nodes.Select(n => n.ToProto()));
        proto.Initializer.AddRange(Initializers.Values);
        proto.Input.AddRange(Inputs);
        proto.Output.AddRange(Outputs);
        proto.ValueInfo.AddRange(ValueInfos.Values);
        return proto;
    }

    private static TensorProto? ConstantNodeValue(Node constant)
    {
        var attributes = constant.Attributes;
        if (attributes.GetTensor("value") is { } tensor) return tensor;
        if (attributes.Has("value_float")) return TensorData.Scalar(attributes.GetFloat("value_float", 0));
        if (attributes.Has("value_int")) return TensorData.Scalar(attributes.GetInt("value_int", 0));
        if (attributes.GetFloats("value_floats") is { } floats) return TensorData.FromFloats([floats.Length], floats);
        if (attributes.GetInts("value_ints") is { } ints) return TensorData.FromInt64s([ints.Length], ints);
        return null;
    }

    private static void CollectReads(GraphProto graph, HashSet<string> names)
    {
        foreach (var node in graph.Node)
        {
            names.UnionWith(node.Input.Where(i => i.Length > 0));
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is { } g) CollectReads(g, names);
                foreach (var sub in attribute.Graphs) CollectReads(sub, names);
            }
        }
        names.UnionWith(graph.Output.Select(o => o.Name));
    }
}
