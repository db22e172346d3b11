using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Google.Protobuf;

namespace Calib.Graph.Onnx;

/// <summary>
/// How one model is written: as a single ONNX message, or — above the single-file limit, or when asked
/// to keep external data — as a message whose large initializers refer to a data file, and that file.
/// Planning serializes no tensor; only <see cref="ModelBytes"/> and <see cref="WriteData"/> do.
/// </summary>
internal sealed class ModelFileLayout
{
    // Where a page-mapped reader (ONNX Runtime) can map each tensor straight from the file.
    private const long Alignment = 4096;

    private static readonly AsyncLocal<long?> LoweredLimit = new();

    private readonly ModelProto _proto;

    private ModelFileLayout(ModelProto proto, ExternalTensors? external, long inlineSize)
    {
        _proto = proto;
        External = external;
        InlineSize = inlineSize;
    }

    /// <summary>The single-file limit in force: <see cref="OnnxModelFile.SingleFileLimit"/> unless a test lowered it.</summary>
    public static long Limit => LoweredLimit.Value ?? OnnxModelFile.SingleFileLimit;

    /// <summary>The tensors that go to the data file; null when the model is written as one message.</summary>
    public ExternalTensors? External { get; }

    /// <summary>The model's size as one message (an upper bound when it has been split).</summary>
    public long InlineSize { get; }

    /// <summary>The bytes written: the message, plus the data file when there is one.</summary>
    public long WrittenSize => _proto.CalculateSize() + (External?.DataLength ?? 0);

    /// <summary>
    /// Plans how <paramref name="model"/> is written. Its large tensors go to <paramref name="location"/>
    /// when its size as one message is above <paramref name="limit"/>, or when <paramref name="keepExternal"/>.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="location">The data file's name, relative to the model's folder.</param>
    /// <param name="limit">The largest single message.</param>
    /// <param name="keepExternal">Split even below the limit (the model was read with external data).</param>
    public static ModelFileLayout Plan(OnnxModel model, string location, long limit, bool keepExternal)
    {
        var proto = model.ToProto();
        var external = ExternalTensors.MoveOut(proto, location, Alignment);
        var inlineSize = proto.CalculateSize() + external.InlineBytes;
        if (external.Tensors.Count > 0 && (keepExternal || inlineSize > limit))
            return new ModelFileLayout(proto, external, inlineSize);
        // Kept whole: the tensors go back in, as they were, and the message is not made a second time.
        external.MoveBack();
        return new ModelFileLayout(proto, null, inlineSize);
    }

    /// <summary>The model message's bytes (with references to the data file when split).</summary>
    /// <exception cref="CalibException">Even without its large tensors the message is above protobuf's 2 GiB.</exception>
    public byte[] ModelBytes()
    {
        var size = External is null ? InlineSize : _proto.CalculateSize();
        if (size > OnnxModelFile.SingleFileLimit || size < 0)
            throw new CalibException($"Model '{_proto.Graph.Name}' is above ONNX's 2 GiB single-file limit even without its large tensors; calib cannot write it.");
        return _proto.ToByteArray();
    }

    /// <summary>Writes the data file: each moved tensor at its offset, zeros between them.</summary>
    public void WriteData(Stream stream)
    {
        var padding = new byte[Alignment];
        long position = 0;
        foreach (var tensor in External?.Tensors ?? [])
        {
            while (position < tensor.Offset)
            {
                var gap = (int)Math.Min(padding.Length, tensor.Offset - position);
                stream.Write(padding, 0, gap);
                position += gap;
            }
            stream.Write(tensor.Data.Span);
            position += tensor.Data.Length;
        }
    }

    /// <summary>Lowers <see cref="Limit"/> to <paramref name="bytes"/> in this flow of execution until the scope is disposed.</summary>
    public static IDisposable LowerLimit(long bytes)
    {
        var previous = LoweredLimit.Value;
        LoweredLimit.Value = bytes;
        return new Restore(() => LoweredLimit.Value = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
