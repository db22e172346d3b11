using Calib.Graph.IO;
using Calib.Graph.Onnx.Proto;
using Google.Protobuf;

namespace Calib.Graph.Onnx;

/// <summary>
/// ONNX's external tensor data: large tensors may live in side files named by
/// <c>external_data</c> entries (location, offset, length). calib reads them in at load time.
/// A model from someone else must not make calib read any file it names, so a location must be a
/// relative path inside the model's folder — no absolute path, no '..', no symbolic link leading
/// out (ONNX's own checker has the same rule) — and offset and length must lie within the file.
/// </summary>
internal static class ExternalData
{
    /// <summary>Reads every external tensor of <paramref name="model"/> in: initializers, attributes, subgraphs and functions.</summary>
    /// <param name="model">The parsed model; its external tensors become inline.</param>
    /// <param name="source">The model file, for messages.</param>
    /// <param name="directory">The model's folder; null forbids external data.</param>
    /// <returns>True when the model had external tensors.</returns>
    public static bool Inline(ModelProto model, string source, string? directory)
    {
        var tensors = Tensors(model).Where(t => t.DataLocation == TensorProto.Types.DataLocation.External).ToList();
        if (tensors.Count == 0) return false;
        var folder = directory is null ? null : new ModelFolder(directory);
        foreach (var tensor in tensors) InlineTensor(tensor, source, folder);
        return true;
    }

    private sealed class ModelFolder(string directory)
    {
        public string Directory { get; } = directory;

        public string Real { get; } = RealPath.Of(directory);
    }

    private static void InlineTensor(TensorProto tensor, string source, ModelFolder? folder)
    {
        var entries = tensor.ExternalData.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        if (folder is null || !entries.TryGetValue("location", out var location) || location.Length == 0)
            throw new CalibException($"'{source}': tensor '{tensor.Name}' refers to external data that cannot be located.");
        var path = Contained(location, tensor, source, folder);
        var offset = Entry(entries, "offset", 0, tensor, source);
        var size = new FileInfo(path).Length;
        var length = Entry(entries, "length", Math.Max(size - offset, 0), tensor, source);
        if (offset > size || length > size - offset)
            throw new CalibException(
                $"'{source}': tensor '{tensor.Name}' wants bytes {offset}..{offset + length} of '{location}', which has {size}: " +
                "the data file does not belong to this model or is truncated.");
        if (length > Array.MaxLength)
            throw new CalibException($"'{source}': tensor '{tensor.Name}' holds {length} bytes, more than one tensor calib can load.");
        // A zero-length read opens nothing, so a FIFO or device (size 0) inside the folder cannot block the load.
        var buffer = new byte[length];
        if (length > 0)
        {
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
                file.Seek(offset, SeekOrigin.Begin);
                file.ReadExactly(buffer);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CalibException($"'{source}': cannot read the external data of tensor '{tensor.Name}' from '{location}': {e.Message}");
            }
        }
        // The buffer is this tensor's alone: wrapping it spares a second copy of a tensor that may be gigabytes.
        tensor.RawData = UnsafeByteOperations.UnsafeWrap(buffer);
        tensor.ExternalData.Clear();
        tensor.DataLocation = TensorProto.Types.DataLocation.Default;
    }

    // The real path of the data file, checked to lie in the model's folder.
    private static string Contained(string location, TensorProto tensor, string source, ModelFolder folder)
    {
        string Refused(string why) =>
            $"'{source}': tensor '{tensor.Name}' keeps its data at '{location}', {why}: external data must lie in the model's folder " +
            $"('{folder.Directory}') or below it. Keep the data file beside the model and save it with a relative location.";

        if (location.Contains('\0'))
            throw new CalibException(Refused("which is not a file name (it holds a NUL character)"));
        if (Path.IsPathRooted(location) || location.StartsWith('\\'))
            throw new CalibException(Refused("an absolute path"));
        if (location.Split('/', '\\').Contains(".."))
            throw new CalibException(Refused("which leaves the model's folder through '..'"));
        string real;
        try { real = RealPath.Of(Path.Join(folder.Directory, location)); }
        catch (IOException e) { throw new CalibException(Refused($"which cannot be resolved ({e.Message})")); }
        if (!RealPath.IsInside(real, folder.Real))
            throw new CalibException(Refused($"a symbolic link to '{real}', outside the model's folder"));
        if (Directory.Exists(real))
            throw new CalibException($"'{source}': tensor '{tensor.Name}' keeps its data at '{location}', which is a folder, not a data file.");
        if (!File.Exists(real))
            throw new CalibException(
                $"'{source}': tensor '{tensor.Name}' keeps its data in '{Path.Join(folder.Directory, location)}', which does not exist. Keep the data file beside the model.");
        return real;
    }

    private static long Entry(Dictionary<string, string> entries, string key, long fallback, TensorProto tensor, string source) =>
        !entries.TryGetValue(key, out var text) ? fallback
        : long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value
        : throw new CalibException($"'{source}': tensor '{tensor.Name}' has external-data {key} '{text}', which is not a byte count.");

    // Every TensorProto of the model, wherever ONNX allows one to be stored.
    private static IEnumerable<TensorProto> Tensors(ModelProto model)
    {
        var graphs = model.Graph is null ? Enumerable.Empty<TensorProto>() : Tensors(model.Graph);
        return graphs.Concat(model.Functions.SelectMany(f => f.Node.SelectMany(Tensors).Concat(f.AttributeProto.SelectMany(Tensors))));
    }

    private static IEnumerable<TensorProto> Tensors(GraphProto graph) =>
        graph.Initializer
            .Concat(graph.SparseInitializer.SelectMany(Tensors))
            .Concat(graph.Node.SelectMany(Tensors));

    private static IEnumerable<TensorProto> Tensors(NodeProto node) => node.Attribute.SelectMany(Tensors);

    private static IEnumerable<TensorProto> Tensors(AttributeProto attribute) =>
        (attribute.T is null ? [] : new[] { attribute.T })
            .Concat(attribute.Tensors)
            .Concat(attribute.SparseTensor is null ? [] : Tensors(attribute.SparseTensor))
            .Concat(attribute.SparseTensors.SelectMany(Tensors))
            .Concat(attribute.G is null ? [] : Tensors(attribute.G))
            .Concat(attribute.Graphs.SelectMany(Tensors));

    private static IEnumerable<TensorProto> Tensors(SparseTensorProto sparse) =>
        new[] { sparse.Values, sparse.Indices }.Where(t => t is not null);
}
