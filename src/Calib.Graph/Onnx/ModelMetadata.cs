using Calib.Graph.Onnx.Proto;
using Google.Protobuf;

namespace Calib.Graph.Onnx;

/// <summary>Reads an ONNX file's metadata_props without building its graph: the other fields are skipped unparsed.</summary>
public static class ModelMetadata
{
    private const int MetadataPropsField = 14;

    /// <summary>
    /// The metadata entries of the model at <paramref name="path"/> (a later duplicate key wins); none when
    /// the file is missing or unreadable, which the full load (<see cref="OnnxModelFile.Load"/>) then reports.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Read(string path)
    {
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
            return new Dictionary<string, string>();
        }
        return entries;
    }
}
