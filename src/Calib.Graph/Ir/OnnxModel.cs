using Calib.Graph.Onnx.Proto;

namespace Calib.Graph.Ir;

/// <summary>
/// An ONNX model: the main <see cref="Graph"/>, the operator sets it uses, and everything
/// else of the file (producer, metadata, model-local functions), kept as loaded.
/// </summary>
public sealed class OnnxModel
{
    /// <summary>
    /// The ONNX IR version calib writes for models it creates: 8 (ONNX 1.10+), which everything
    /// calib emits needs and which older checkers and runtimes still accept.
    /// </summary>
    public const long DefaultIrVersion = 8;

    // Everything of the ModelProto that calib does not model rides along here.
    private readonly ModelProto _extras;

    /// <summary>Creates a model around <paramref name="graph"/> importing the default domain at <paramref name="opsetVersion"/>.</summary>
    public OnnxModel(ModelGraph graph, long opsetVersion) : this(graph, new ModelProto())
    {
        IrVersion = DefaultIrVersion;
        ProducerName = "calib";
        SetOpset("", opsetVersion);
    }

    private OnnxModel(ModelGraph graph, ModelProto extras)
    {
        Graph = graph;
        _extras = extras;
    }

    /// <summary>
    /// The file the model was read from (an .onnx file or a Caffe prototxt), for messages; null for a
    /// model built in memory. Not part of the ONNX file; copies keep it.
    /// </summary>
    public string? SourcePath { get; set; }

    /// <summary>
    /// True when the model was read with tensors in external data files: calib then writes the models it
    /// derives from it with external data too. Not part of the ONNX file; copies keep it.
    /// </summary>
    public bool LoadedWithExternalData { get; set; }

    /// <summary>The ONNX IR version of the file.</summary>
    public long IrVersion { get; set; }

    /// <summary>The tool that produced the model.</summary>
    public string ProducerName { get; set; } = "";

    /// <summary>The producing tool's version.</summary>
    public string ProducerVersion { get; set; } = "";

    /// <summary>The main graph.</summary>
    public ModelGraph Graph { get; }

    /// <summary>Operator set imports: domain ("" = ai.onnx) → version.</summary>
    public OrderedDictionary<string, long> Opsets { get; } = new(StringComparer.Ordinal);

    /// <summary>The opset version of the default ai.onnx domain (0 when not imported).</summary>
    public long DefaultOpset => Opsets.TryGetValue("", out var v) ? v : Opsets.TryGetValue("ai.onnx", out v) ? v : 0;

    /// <summary>Imports <paramref name="domain"/> at <paramref name="version"/>, replacing an earlier import.</summary>
    public void SetOpset(string domain, long version) => Opsets[domain] = version;

    /// <summary>The value of the model's metadata_props entry <paramref name="key"/>, or null when absent.</summary>
    public string? GetMetadata(string key) => _extras.MetadataProps.FirstOrDefault(p => p.Key == key)?.Value;

    /// <summary>Sets (or replaces) the model's metadata_props entry <paramref name="key"/>.</summary>
    public void SetMetadata(string key, string value)
    {
        if (_extras.MetadataProps.FirstOrDefault(p => p.Key == key) is { } entry) entry.Value = value;
        else _extras.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
    }

    /// <summary>Builds the IR from a parsed ONNX model message.</summary>
    public static OnnxModel FromProto(ModelProto proto)
    {
        var extras = proto.Clone();
        extras.Graph = null;
        extras.OpsetImport.Clear();
        var model = new OnnxModel(ModelGraph.FromProto(proto.Graph ?? new GraphProto()), extras)
        {
            IrVersion = proto.IrVersion,
            ProducerName = proto.ProducerName,
            ProducerVersion = proto.ProducerVersion,
        };
        foreach (var opset in proto.OpsetImport) model.Opsets[opset.Domain] = opset.Version;
        return model;
    }

    /// <summary>The ONNX model message for this IR.</summary>
    public ModelProto ToProto()
    {
        var proto = _extras.Clone();
        proto.IrVersion = IrVersion;
        proto.ProducerName = ProducerName;
        proto.ProducerVersion = ProducerVersion;
        proto.Graph = Graph.ToProto();
        foreach (var (domain, version) in Opsets)
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        return proto;
    }

    /// <summary>A deep copy (tensors included), for passes that must leave the original untouched.</summary>
    public OnnxModel Clone()
    {
        var copy = FromProto(ToProto().Clone());
        copy.SourcePath = SourcePath;
        copy.LoadedWithExternalData = LoadedWithExternalData;
        return copy;
    }
}
