using Calib.Graph.Onnx.Proto;
using Google.Protobuf;

namespace Calib.Graph.Onnx;

/// <summary>
/// ONNX's external tensor data: large initializers may live in side files named by
/// <c>external_data</c> entries (location, offset, length). calib reads them in at load time.
/// </summary>
internal static class ExternalData
{
    public static void Inline(GraphProto graph, string source, string? directory)
    {
        foreach (var tensor in graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External))
            InlineTensor(tensor, source, directory);
    }

    private static void InlineTensor(TensorProto tensor, string source, string? directory)
    {
        var entries = tensor.ExternalData.ToDictionary(e => e.Key, e => e.Value);
        if (directory is null || !entries.TryGetValue("location", out var location))
            throw new CalibException($"'{source}': tensor '{tensor.Name}' refers to external data that cannot be located.");
        var path = Path.GetFullPath(Path.Combine(directory, location));
        if (!File.Exists(path))
            throw new CalibException($"'{source}': tensor '{tensor.Name}' keeps its data in '{path}', which does not exist. Keep the data file beside the model.");
        var offset = entries.TryGetValue("offset", out var o) ? long.Parse(o) : 0;
        using var file = File.OpenRead(path);
        var length = entries.TryGetValue("length", out var l) ? long.Parse(l) : file.Length - offset;
        if (offset + length > file.Length)
            throw new CalibException($"'{source}': tensor '{tensor.Name}' wants bytes {offset}..{offset + length} of '{path}', which has {file.Length}.");
        var buffer = new byte[length];
        file.Seek(offset, SeekOrigin.Begin);
        file.ReadExactly(buffer);
        tensor.RawData = ByteString.CopyFrom(buffer);
        tensor.ExternalData.Clear();
        tensor.DataLocation = TensorProto.Types.DataLocation.Default;
    }
}
