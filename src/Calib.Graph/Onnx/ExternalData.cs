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
        using var file = File.OpenRead(path);
        var offset = Entry(entries, "offset", 0, tensor, source);
        var length = Entry(entries, "length", file.Length - offset, tensor, source);
        if (offset < 0 || length < 0 || offset + length > file.Length)
            throw new CalibException($"'{source}': tensor '{tensor.Name}' wants bytes {offset}..{offset + length} of '{path}', which has {file.Length}.");
        if (length > Array.MaxLength)
            throw new CalibException($"'{source}': tensor '{tensor.Name}' holds {length} bytes, more than one tensor calib can load.");
        var buffer = new byte[length];
        file.Seek(offset, SeekOrigin.Begin);
        file.ReadExactly(buffer);
        tensor.RawData = ByteString.CopyFrom(buffer);
        tensor.ExternalData.Clear();
        tensor.DataLocation = TensorProto.Types.DataLocation.Default;
    }

    private static long Entry(Dictionary<string, string> entries, string key, long fallback, TensorProto tensor, string source) =>
        !entries.TryGetValue(key, out var text) ? fallback
        : long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value
        : throw new CalibException($"'{source}': tensor '{tensor.Name}' has external-data {key} '{text}', which is not a byte count.");
}
