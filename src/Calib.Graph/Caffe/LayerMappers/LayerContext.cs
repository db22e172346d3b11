using Calib.Graph.Caffe.Proto;
using Calib.Graph.Ir;

namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// One Caffe layer being mapped: its parameters, the tensors and shapes of its bottoms, the tensor
/// names its tops must get, its trained blobs, and the means to add nodes and constants. The node
/// that computes the layer's result is named after the layer; helper nodes and constants are named
/// "&lt;layer&gt;/&lt;what&gt;".
/// </summary>
internal sealed class LayerContext(ImportGraph import, LayerParameter layer, IReadOnlyList<string> bottoms,
    IReadOnlyList<string> tops, IReadOnlyList<BlobProto> blobs, string weightsSource)
{
    private readonly long[]?[] _outputShapes = new long[]?[tops.Count];

    /// <summary>The layer's parameters.</summary>
    public LayerParameter Layer { get; } = layer;

    /// <summary>The layer's name.</summary>
    public string Name => Layer.Name;

    /// <summary>The shared graph state.</summary>
    public ImportGraph Import { get; } = import;

    /// <summary>Number of bottoms.</summary>
    public int InputCount => bottoms.Count;

    /// <summary>Number of tops.</summary>
    public int OutputCount => tops.Count;

    /// <summary>The tensor of bottom <paramref name="index"/>.</summary>
    /// <exception cref="CalibException">The prototxt gives the layer fewer bottoms.</exception>
    public string Input(int index) => index < bottoms.Count ? bottoms[index] : throw Missing("bottom", index, bottoms.Count);

    /// <summary>The static shape of bottom <paramref name="index"/>.</summary>
    public long[] InputShape(int index) => Import.Shapes[Input(index)];

    /// <summary>The tensor that top <paramref name="index"/> must be written to.</summary>
    /// <exception cref="CalibException">The prototxt gives the layer fewer tops.</exception>
    public string Output(int index) => index < tops.Count ? tops[index] : throw Missing("top", index, tops.Count);

    /// <summary>Declares the static shape of top <paramref name="index"/>.</summary>
    public void SetOutputShape(int index, long[] shape) => _outputShapes[index] = shape;

    /// <summary>The declared output shapes; every top must have one once the mapper ran.</summary>
    public IReadOnlyList<long[]> OutputShapes =>
        _outputShapes.Select((s, i) => s ?? throw new InvalidOperationException($"Mapper of '{Name}' left top {i} without a shape.")).ToList();

    /// <summary>Adds a node named after the layer (<paramref name="suffix"/> null) or "&lt;layer&gt;/&lt;suffix&gt;".</summary>
    public Node AddNode(string op, IEnumerable<string> inputs, IEnumerable<string> outputs, string? suffix = null) =>
        Import.Graph.AddNode(op, suffix is null ? Name : Import.NodeNames.Make($"{Name}/{suffix}"), inputs, outputs);

    /// <summary>A fresh intermediate tensor name "&lt;layer&gt;/&lt;suffix&gt;".</summary>
    public string Temp(string suffix) => Import.Names.Make($"{Name}/{suffix}");

    /// <summary>Adds a float constant "&lt;layer&gt;/&lt;suffix&gt;"; returns its name.</summary>
    public string Constant(string suffix, long[] dims, float[] values) =>
        Import.Constant($"{Name}/{suffix}", TensorData.FromFloats(dims, values));

    /// <summary>Adds a 1-D int64 constant "&lt;layer&gt;/&lt;suffix&gt;" (shapes, axes, sizes); returns its name.</summary>
    public string Int64s(string suffix, long[] values) =>
        Import.Constant($"{Name}/{suffix}", TensorData.FromInt64s([values.Length], values));

    /// <summary>Marks the node <paramref name="node"/> as not quantized, with AMCT's <paramref name="reason"/>.</summary>
    public void Restrict(Node node, string reason) => Import.Restrictions[node.Name] = reason;

    /// <summary>
    /// The values of trained blob <paramref name="index"/> (<paramref name="what"/>, e.g. "weights"),
    /// checked against the dimensions the layer needs (legacy 4-D blobs fit when they differ by leading 1s).
    /// </summary>
    /// <exception cref="CalibException">The caffemodel lacks the blob, or its dimensions do not fit.</exception>
    public float[] Blob(int index, long[] dims, string what)
    {
        if (index >= blobs.Count)
            throw Error(blobs.Count == 0
                ? $"the caffemodel '{weightsSource}' holds no blobs for this layer, which needs its {what}. Check that the caffemodel was trained with this prototxt (layers are matched by name)."
                : $"the caffemodel '{weightsSource}' holds {blobs.Count} blob(s) for this layer; its {what} (blob {index}) is missing.");
        var stored = BlobReader.Dims(blobs[index]);
        var values = BlobReader.Values(blobs[index]);
        var count = dims.Aggregate(1L, (a, d) => a * d);
        if (!BlobReader.Fits(stored, dims) || values.Length != count)
            throw Error($"its {what} (blob {index}) in '{weightsSource}' has shape {BlobReader.Format(stored)} and {values.Length} values, but the layer needs {BlobReader.Format(dims)}. Check that the caffemodel belongs to this prototxt.");
        return values;
    }

    private CalibException Missing(string what, int index, int count) =>
        Error($"it needs {what} {index + 1} but the prototxt gives it {(count == 0 ? "none" : count.ToString(System.Globalization.CultureInfo.InvariantCulture))}: add a '{what}: \"<blob name>\"' line to the layer.");

    /// <summary>A user error about this layer: "Layer 'name' (Type): message".</summary>
    public CalibException Error(string message) => new($"Layer '{Name}' ({Layer.Type}): {message}");

    /// <summary>Normalizes a Caffe axis (negative counts from the end) for a blob of rank <paramref name="rank"/>.</summary>
    /// <exception cref="CalibException">The axis is out of range.</exception>
    public int Axis(long axis, int rank, string what = "axis")
    {
        var normalized = axis < 0 ? axis + rank : axis;
        return normalized >= 0 && normalized < rank
            ? (int)normalized
            : throw Error($"{what} {axis} is out of range for its {rank}-D input.");
    }
}
