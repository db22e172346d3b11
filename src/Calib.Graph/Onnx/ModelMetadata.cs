using Calib.Graph.Onnx.Proto;
using Google.Protobuf;

namespace Calib.Graph.Onnx;

/// <summary>Reads an ONNX file's metadata_props without building its graph: the other fields are skipped unparsed.</summary>
public static class ModelMetadata
{
    private const int MetadataPropsField = 14;

    /// <summary>The metadata entries of the model at <paramref name="path"/> (a later duplicate key wins).</summary>
    /// <exception cref="CalibException">The file is missing, unreadable or not a readable ONNX model.</exception>
    public static IReadOnlyDictionary<string, string> Read(string path)
    {
        if (!File.Exists(path))
            throw new CalibException($"Model file '{path}' does not exist. Check the path.");
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var stream = File.OpenRead(path);
            var input = new CodedInputStream(stream);
            for (uint tag; (tag = input.ReadTag()) != 0;)
            {
                if (WireFormat.GetTagFieldNumber(tag) == MetadataPropsField && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    var entry = new StringStringEntryProto();
                    input.ReadMessage(entry);
                    entries[entry.Key] = entry.Value;
                }
                else
                {
                    input.SkipLastField();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidProtocolBufferException)
        {
            throw new CalibException($"Cannot read the metadata of model '{path}': {e.Message}");
        }
        return entries;
    }
}
