using Calib.Graph.IO;
using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Google.Protobuf;

namespace Calib.Graph.Onnx;

/// <summary>Loading and saving ONNX model files, with user-facing errors for bad files.</summary>
public static class OnnxModelFile
{
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
    /// <param name="externalDataDirectory">Where external tensor data files are looked up; null forbids external data.
    /// Tensors read from there are inlined, and the model is marked <see cref="OnnxModel.LoadedWithExternalData"/>.</param>
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
        var external = ExternalData.Inline(proto, source, externalDataDirectory);
        var model = OnnxModel.FromProto(proto);
        model.LoadedWithExternalData = external;
        return model;
    }

    /// <summary>
    /// The largest model written as one file: protobuf messages cannot exceed 2 GiB. A bigger model is
    /// written with its large tensors in a data file beside it (see <see cref="AddModel"/>).
    /// </summary>
    public const long SingleFileLimit = int.MaxValue;

    /// <summary>The name of the data file written beside <paramref name="modelFileName"/> (ONNX's convention: the model's name + ".data").</summary>
    public static string DataFileName(string modelFileName) => modelFileName + ".data";

    /// <summary>Serializes the model to ONNX bytes, as one message.</summary>
    /// <exception cref="CalibException">The model is above <see cref="SingleFileLimit"/>: write it with <see cref="AddModel"/> or <see cref="Save"/>.</exception>
    public static byte[] ToBytes(OnnxModel model)
    {
        var layout = ModelFileLayout.Plan(model, "", ModelFileLayout.Limit, keepExternal: false);
        if (layout.External is not null)
            throw new CalibException($"Model '{model.Graph.Name}' is {layout.InlineSize / (1L << 20)} MiB, above ONNX's 2 GiB single-file limit; it can only be written with its tensors in a data file beside it.");
        return layout.ModelBytes();
    }

    /// <summary>
    /// Adds the model to <paramref name="files"/> as <paramref name="name"/>. A model above the single-file
    /// limit, or one read with external data, is written as two files of the set, as ONNX does: the model
    /// with its large initializers (1 KiB and more, subgraphs included) referring to
    /// <see cref="DataFileName"/>, and that data file, each tensor at an offset aligned to 4 KiB.
    /// </summary>
    /// <returns>The names added: the model, then the data file if any.</returns>
    public static IReadOnlyList<string> AddModel(this OutputFileSet files, string name, OnnxModel model)
    {
        var layout = ModelFileLayout.Plan(model, DataFileName(name), ModelFileLayout.Limit, keepExternal: model.LoadedWithExternalData);
        files.Add(name, layout.ModelBytes());
        if (layout.External is null) return [name];
        files.Add(DataFileName(name), layout.WriteData);
        return [name, DataFileName(name)];
    }

    /// <summary>
    /// The bytes <see cref="AddModel"/> writes for the model (the model file and its data file), computed
    /// without serializing the tensors.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="name">The model's file name (the data file's name is written into the model).</param>
    public static long WrittenSize(OnnxModel model, string name) =>
        ModelFileLayout.Plan(model, DataFileName(name), ModelFileLayout.Limit, keepExternal: model.LoadedWithExternalData).WrittenSize;

    /// <summary>Saves the model to <paramref name="path"/> (and its data file beside it, see <see cref="AddModel"/>), atomically.</summary>
    /// <exception cref="CalibException">The folder cannot be claimed or written; nothing was changed.</exception>
    public static void Save(OnnxModel model, string path)
    {
        var full = Path.GetFullPath(path);
        var files = new OutputFileSet(Path.GetDirectoryName(full)!);
        files.AddModel(Path.GetFileName(full), model);
        files.Commit();
    }

    /// <summary>
    /// Test seam: until the returned scope ends, models above <paramref name="bytes"/> count as above the
    /// single-file limit, in this flow of execution only (parallel tests keep the real limit).
    /// </summary>
    internal static IDisposable LowerSingleFileLimit(long bytes) => ModelFileLayout.LowerLimit(bytes);

    private static string DescribeParseFailure(InvalidProtocolBufferException e) =>
        e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase)
            ? "the file ends in the middle of a message: it is truncated"
            : $"protobuf parse error: {e.Message}";
}
