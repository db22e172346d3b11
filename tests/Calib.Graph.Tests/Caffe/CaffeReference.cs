using System.Text.Json;
using Calib.Graph.IO;
using Calib.Tests.Shared;

namespace Calib.Graph.Tests.Caffe;

/// <summary>
/// A real Caffe model of ../shared/data/caffe with its OpenCV reference tensors: the manifest
/// ref/reference.json (inputs, outputs, every layer with its output shapes, statistics and file).
/// </summary>
internal sealed class CaffeReference
{
    private CaffeReference(string folder, string prototxt, string caffemodel, JsonElement manifest)
    {
        Folder = folder;
        Prototxt = prototxt;
        Caffemodel = caffemodel;
        Manifest = manifest;
    }

    public string Folder { get; }

    public string Prototxt { get; }

    public string Caffemodel { get; }

    public JsonElement Manifest { get; }

    /// <summary>Opens the model in <c>../shared/data/caffe/&lt;folder&gt;</c> whose manifest is <c>&lt;refDir&gt;/reference.json</c>.</summary>
    public static CaffeReference Open(string folder, string refDir = "ref")
    {
        var root = RepoPaths.SharedData("caffe", folder);
        var manifest = JsonDocument.Parse(File.ReadAllText(RepoPaths.SharedData("caffe", folder, refDir, "reference.json"))).RootElement;
        return new CaffeReference(root,
            Path.Combine(root, manifest.GetProperty("prototxt").GetString()!),
            Path.Combine(root, manifest.GetProperty("caffemodel").GetString()!),
            manifest);
    }

    /// <summary>The reference inputs: blob name → (values, shape).</summary>
    public IEnumerable<(string Blob, float[] Values, long[] Shape)> Inputs() =>
        Manifest.GetProperty("inputs").EnumerateArray().Select(i =>
        {
            var (values, shape) = Read(i.GetProperty("file").GetString()!);
            return (i.GetProperty("blob").GetString()!, values, shape);
        });

    /// <summary>The network outputs: blob name and file.</summary>
    public IEnumerable<(string Blob, string File)> Outputs() =>
        Manifest.GetProperty("outputs").EnumerateArray().Select(o => (o.GetProperty("blob").GetString()!, o.GetProperty("file").GetString()!));

    /// <summary>Every layer top: layer name, top index, shape, statistics and file (null when not written).</summary>
    public IEnumerable<LayerTop> LayerTops() =>
        Manifest.GetProperty("layers").EnumerateArray().SelectMany(layer =>
            layer.GetProperty("outputs").EnumerateArray().Select((output, index) => new LayerTop(
                layer.GetProperty("name").GetString()!,
                index,
                output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
                output.GetProperty("stats").GetProperty("min").GetDouble(),
                output.GetProperty("stats").GetProperty("max").GetDouble(),
                output.GetProperty("stats").GetProperty("mean").GetDouble(),
                output.GetProperty("file").ValueKind == JsonValueKind.String ? output.GetProperty("file").GetString() : null)));

    /// <summary>A float32 .npy file of the model folder (path relative to it).</summary>
    public (float[] Values, long[] Shape) Read(string relative)
    {
        var array = NpyFile.Read(Path.Combine(Folder, relative));
        return (array.Floats ?? throw new InvalidDataException($"{relative} is not float32"), array.Shape.Select(d => (long)d).ToArray());
    }

    public sealed record LayerTop(string Layer, int Index, long[] Shape, double Min, double Max, double Mean, string? File);
}
