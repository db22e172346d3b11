using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Calib.Graph.Onnx;

/// <summary>
/// The large initializers of a model message moved out of it, as ONNX's external data does: each
/// initializer holding at least <see cref="SizeFloor"/> bytes is replaced, in its graph's initializer
/// list, by a shell (name, type, dims) whose <c>external_data</c> entries name a location, an offset
/// and a length; the bytes stay in memory, in the order and at the offsets a data file would hold them.
/// </summary>
internal sealed class ExternalTensors
{
    /// <summary>Tensors smaller than this stay in the model message (onnx.save_model's size_threshold).</summary>
    public const int SizeFloor = 1024;

    // Where each moved tensor was, and the tensor itself, to put it back.
    private readonly IReadOnlyList<(RepeatedField<TensorProto> List, int Index, TensorProto Tensor)> _originals;

    private ExternalTensors(IReadOnlyList<Moved> tensors, long dataLength, long inlineBytes,
        IReadOnlyList<(RepeatedField<TensorProto> List, int Index, TensorProto Tensor)> originals)
    {
        Tensors = tensors;
        DataLength = dataLength;
        InlineBytes = inlineBytes;
        _originals = originals;
    }

    /// <summary>One moved tensor: its shell in the message, its bytes and their place in the data.</summary>
    /// <param name="Shell">The initializer left in the message, pointing at the data.</param>
    /// <param name="Data">The tensor's bytes (little-endian, row-major, as raw_data holds them).</param>
    /// <param name="Offset">Where the bytes start in the data.</param>
    public sealed record Moved(TensorProto Shell, ByteString Data, long Offset);

    /// <summary>The moved tensors, in data order.</summary>
    public IReadOnlyList<Moved> Tensors { get; }

    /// <summary>The data's length: the end of the last tensor.</summary>
    public long DataLength { get; }

    /// <summary>
    /// How many bytes more the message would have with the moved tensors inline: their encoded sizes
    /// less their shells', plus room for the longer length prefixes of the graphs holding them.
    /// </summary>
    public long InlineBytes { get; }

    /// <summary>
    /// Moves the large initializers of <paramref name="proto"/> (main graph and If/Loop/Scan bodies) out. The caller owns the message's
    /// initializer lists (<see cref="OnnxModel.ToProto"/> makes new ones); the tensors in them, which
    /// may be the IR's own, are replaced, never changed.
    /// </summary>
    /// <param name="proto">The model message; changed in place.</param>
    /// <param name="location">The data file's name, written into every shell.</param>
    /// <param name="alignment">Every tensor starts at a multiple of this, so a reader can map it from the file.</param>
    public static ExternalTensors MoveOut(ModelProto proto, string location, long alignment)
    {
        var moved = new List<Moved>();
        var originals = new List<(RepeatedField<TensorProto>, int, TensorProto)>();
        long end = 0, inline = 0;
        foreach (var graph in WithSubgraphs(proto.Graph))
        {
            for (var i = 0; i < graph.Initializer.Count; i++)
            {
                var tensor = graph.Initializer[i];
                if (Payload(tensor) is not { } data) continue;
                var offset = (end + alignment - 1) / alignment * alignment;
                var shell = Shell(tensor, location, offset, data.Length);
                graph.Initializer[i] = shell;
                moved.Add(new Moved(shell, data, offset));
                originals.Add((graph.Initializer, i, tensor));
                end = offset + data.Length;
                // A graph's length prefix grows by at most 5 bytes per level when its tensors come back in.
                inline += Encoded(tensor) - Encoded(shell) + 16;
            }
        }
        return new ExternalTensors(moved, end, inline, originals);
    }

    /// <summary>
    /// Puts every moved tensor back where <see cref="MoveOut"/> took it from: the message is as it was before (the same
    /// tensor objects), to be written whole; this instance no longer describes it.
    /// </summary>
    public void MoveBack()
    {
        foreach (var (list, index, tensor) in _originals) list[index] = tensor;
    }

    // The bytes of a tensor big enough to move; null for small, string and already external tensors.
    private static ByteString? Payload(TensorProto tensor)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External) return null;
        if (tensor.RawData.Length >= SizeFloor) return tensor.RawData;
        if (!tensor.RawData.IsEmpty) return null;
        var elementSize = TensorData.ElementSize(TensorData.TypeOf(tensor));
        // Typed fields (float_data, int32_data, …) become raw bytes, as onnx.save_model does.
        return elementSize > 0 && TensorData.ElementCount(tensor) * elementSize >= SizeFloor
            ? UnsafeByteOperations.UnsafeWrap(TensorData.RawBytes(tensor))
            : null;
    }

    private static TensorProto Shell(TensorProto tensor, string location, long offset, long length)
    {
        var shell = tensor.Clone();
        shell.RawData = ByteString.Empty;
        shell.FloatData.Clear();
        shell.Int32Data.Clear();
        shell.Int64Data.Clear();
        shell.DoubleData.Clear();
        shell.Uint64Data.Clear();
        shell.ExternalData.Clear();
        shell.DataLocation = TensorProto.Types.DataLocation.External;
        shell.ExternalData.Add(Entry("location", location));
        shell.ExternalData.Add(Entry("offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        shell.ExternalData.Add(Entry("length", length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return shell;
    }

    private static StringStringEntryProto Entry(string key, string value) => new() { Key = key, Value = value };

    private static long Encoded(TensorProto tensor)
    {
        var size = (long)tensor.CalculateSize();
        return size + CodedOutputStream.ComputeLengthSize((int)Math.Min(size, int.MaxValue)) + 1;
    }

    // The graph and every graph in its nodes' attributes, at any depth.
    private static IEnumerable<GraphProto> WithSubgraphs(GraphProto graph) =>
        graph.Node.SelectMany(n => n.Attribute)
            .SelectMany(a => (a.G is null ? [] : new[] { a.G }).Concat(a.Graphs))
            .SelectMany(WithSubgraphs)
            .Prepend(graph);
}
