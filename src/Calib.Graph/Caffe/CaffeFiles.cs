using Calib.Graph.Caffe.Proto;
using Calib.Graph.TextFormat;
using Google.Protobuf;

namespace Calib.Graph.Caffe;

/// <summary>Reading Caffe's files: the prototxt (text format), the caffemodel and binaryproto blobs (binary).</summary>
public static class CaffeFiles
{
    /// <summary>
    /// Parses a prototxt. Fields that calib's caffe.proto does not define (those of other Caffe forks,
    /// of layers calib does not import) are skipped and reported to <paramref name="warn"/>.
    /// </summary>
    /// <exception cref="CalibException">The file is missing or malformed; syntax errors carry file:line:column.</exception>
    public static NetParameter ReadPrototxt(string path, Action<string>? warn = null)
    {
        var text = ReadText(path, "prototxt", "--model");
        var options = new TextFormatReader.Options(IgnoreUnknownFields: true, OnUnknownField: warn);
        return TextFormatReader.Parse<NetParameter>(text, path, options);
    }

    /// <summary>Parses a caffemodel (binary NetParameter holding the trained blobs).</summary>
    /// <exception cref="CalibException">The file is missing or is not a readable caffemodel.</exception>
    public static NetParameter ReadCaffemodel(string path)
    {
        var bytes = ReadBytes(path, "caffemodel", "--weights");
        var net = Parse(NetParameter.Parser, bytes, path, "caffemodel");
        if (net.Layer.Count == 0 && net.Layers.Count == 0)
            throw new CalibException($"'{path}' holds no layers: it is not a caffemodel. Pass the trained .caffemodel with --weights.");
        return net;
    }

    /// <summary>Parses a .binaryproto blob (Caffe's mean_file).</summary>
    /// <exception cref="CalibException">The file is missing or is not a readable blob.</exception>
    public static BlobProto ReadBlob(string path) =>
        Parse(BlobProto.Parser, ReadBytes(path, "binaryproto", "transform_param mean_file"), path, "binaryproto blob");

    private static T Parse<T>(MessageParser<T> parser, byte[] bytes, string path, string what) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            var reason = e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase)
                ? "it ends in the middle of a message: it is truncated"
                : $"protobuf parse error: {e.Message}";
            throw new CalibException($"'{path}' is not a readable {what} ({reason}). Check that the file is complete.");
        }
    }

    private static string ReadText(string path, string what, string flag) =>
        Read(path, what, flag, File.ReadAllText);

    private static byte[] ReadBytes(string path, string what, string flag) =>
        Read(path, what, flag, File.ReadAllBytes);

    private static T Read<T>(string path, string what, string flag, Func<string, T> read)
    {
        if (!File.Exists(path))
            throw new CalibException($"Caffe {what} '{path}' does not exist. Check the {flag} path.");
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibException($"Cannot read Caffe {what} '{path}': {IO.ReadFailures.Reason(path, e)}.");
        }
    }
}
