using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;

namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// The ONNX graph under construction and what the mappers share: names, the static shape of every
/// tensor (Caffe shapes are static, and several mappings depend on them), the restrictions found,
/// each layer's output tensors, and the BatchNormalization nodes a following Scale may join.
/// </summary>
internal sealed class ImportGraph(ModelGraph graph, UniqueNames names, UniqueNames nodeNames, BlobVersions versions)
{
    /// <summary>The graph being built.</summary>
    public ModelGraph Graph { get; } = graph;

    /// <summary>Tensor names (values and constants) taken so far.</summary>
    public UniqueNames Names { get; } = names;

    /// <summary>Node names taken so far (ONNX keeps them apart from tensor names).</summary>
    public UniqueNames NodeNames { get; } = nodeNames;

    /// <summary>The tensors of every Caffe blob version, and who reads them.</summary>
    public BlobVersions Versions { get; } = versions;

    /// <summary>Static shape of every tensor (batch as declared in the prototxt).</summary>
    public Dictionary<string, long[]> Shapes { get; } = new(StringComparer.Ordinal);

    /// <summary>Node name → why it is not quantized although its ONNX form would be.</summary>
    public Dictionary<string, string> Restrictions { get; } = new(StringComparer.Ordinal);

    /// <summary>Caffe layer name → the tensors holding its tops' values after the layer ran.</summary>
    public Dictionary<string, IReadOnlyList<string>> LayerOutputs { get; } = new(StringComparer.Ordinal);

    /// <summary>Scale layer name → the BatchNorm layer whose BatchNormalization node it joined.</summary>
    public Dictionary<string, string> MergedLayers { get; } = new(StringComparer.Ordinal);

    /// <summary>Output tensor → the BatchNormalization node of a Caffe BatchNorm layer (gamma 1, beta 0 so far).</summary>
    public Dictionary<string, (Node Node, string Layer)> BatchNorms { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds a constant under a fresh name built from <paramref name="stem"/>; returns the name.</summary>
    public string Constant(string stem, TensorProto value)
    {
        var name = Names.Make(stem);
        Graph.AddInitializer(name, value);
        return name;
    }
}
