using Calib.Graph.IO;
using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Google.Protobuf;

namespace Calib.Graph.Onnx;

/// <summary>Loading and saving ONNX model files, with user-facing errors for bad files.</summary>
public static class OnnxModelFile
{
    // Protobuf messages cannot exceed 2 GiB; bigger models need external data files.
    private const long MaxInlineBytes = int.MaxValue;

    /// <summary>
    /// Loads an ONNX model. Tensors stored in external data files (next to the model) are
    /// read in, so the returned IR is self-contained. The main graph is checked for what the passes rely
    /// on (required operator inputs present, every tensor read defined).
    /// </summary>
    /// <exception cref="CalibException">The file is missing, not an ONNX model, or truncated.</exception>
    public static OnnxModel Load(string path)
    {
        if (!File.Exists(path))
            throw new CalibException($"Model file '{path}' does not exist. Check the --model path.");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibException($"Cannot read model file '{path}': {ReadFailures.Reason(path, e)}.");
        }
        var model = Parse(bytes, path, Path.GetDirectoryName(Path.GetFullPath(path)));
        GraphIntegrity.Check(model.Graph, path);
        model.SourcePath = path;
        return model;
    }

    /// <summary>Parses ONNX bytes; <paramref name="source"/> names them in error messages.</summary>
    /// <param name="bytes">The serialized ModelProto.</param>
    /// <param name="source">The file name (or other description) used in error messages.</param>
    /// <param name="externalDataDirectory">Where external tensor data files are looked up; null forbids external data.</param>
    public static OnnxModel Parse(byte[] bytes, string source, string? externalDataDirectory = null)
    {
        ModelProto proto;
        try { proto = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw new CalibException(
                $"'{source}' is not a readable ONNX model ({DescribeParseFailure(e)}). " +
                "Check that the file is complete and is an .onnx model.");
        }
        if (proto.Graph is null || proto.OpsetImport.Count == 0 || proto.IrVersion <= 0)
            throw new CalibException(
                $"'{source}' is not an ONNX model: it has no {(proto.Graph is null ? "graph" : proto.OpsetImport.Count == 0 ? "opset import" : "IR version")}. " +
                "Check that the file is an .onnx model.");
        ExternalData.Inline(proto, source, externalDataDirectory);
        return OnnxModel.FromProto(proto);
    }

    /// <summary>Serializes the model to ONNX bytes.</summary>
    public static byte[] ToBytes(OnnxModel model)
    {
        var proto = model.ToProto();
        var size = proto.CalculateSize();
        if (size > MaxInlineBytes)
            throw new CalibException($"Model '{model.Graph.Name}' is {size / (1L << 20)} MiB, above ONNX's 2 GiB single-file limit.");
        return proto.ToByteArray();
    }

    /// <summary>Saves the model to <paramref name="path"/>, atomically.</summary>
    public static void Save(OnnxModel model, string path) => AtomicFile.WriteAllBytes(path, ToBytes(model));

    private static string DescribeParseFailure(InvalidProtocolBufferException e) =>
        e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase)
            ? "the file ends in the middle of a message: it is truncated"
            : $"protobuf parse error: {e.Message}";
}
