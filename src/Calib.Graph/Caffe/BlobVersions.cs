using Calib.Graph.Ir;
using Calib.Graph.Caffe.Proto;

namespace Calib.Graph.Caffe;

/// <summary>
/// Caffe blobs in SSA form. A Caffe blob may be written several times (in-place layers: top ==
/// bottom); ONNX tensors are written once. Each write gets its own tensor: the last write of a blob
/// keeps the blob's name (so graph outputs and what later layers read keep Caffe's names), earlier
/// writes are named "&lt;blob&gt;/&lt;layer&gt;". Inputs keep their names. Split and Dropout compute
/// nothing at inference: their tops are the tensor of their bottom.
/// </summary>
internal sealed class BlobVersions
{
    /// <summary>Layer types whose tops are their first bottom, unchanged, at inference.</summary>
    public static readonly IReadOnlySet<string> PassThroughTypes = new HashSet<string>(StringComparer.Ordinal) { "Split", "Dropout" };

    private readonly List<string[]> _bottoms = [];
    private readonly List<string[]> _tops = [];
    private readonly Dictionary<string, int> _readers = new(StringComparer.Ordinal);

    private BlobVersions() { }

    /// <summary>A graph output: a blob whose final value no remaining layer reads.</summary>
    /// <param name="Blob">The Caffe blob name.</param>
    /// <param name="Tensor">The tensor holding its final value.</param>
    /// <param name="PassThroughLayer">The Split/Dropout layer when <paramref name="Tensor"/> is another blob's tensor.</param>
    public sealed record Output(string Blob, string Tensor, string? PassThroughLayer);

    /// <summary>The graph outputs, in the order their blobs were first written.</summary>
    public IReadOnlyList<Output> Outputs { get; private set; } = [];

    /// <summary>The tensors layer <paramref name="index"/> reads.</summary>
    public IReadOnlyList<string> BottomsOf(int index) => _bottoms[index];

    /// <summary>The tensors layer <paramref name="index"/> writes (for pass-through layers: the tensor of its bottom).</summary>
    public IReadOnlyList<string> TopsOf(int index) => _tops[index];

    /// <summary>How many computing layers (not Split/Dropout) read <paramref name="tensor"/>.</summary>
    public int Readers(string tensor) => _readers.GetValueOrDefault(tensor);

    /// <summary>Assigns tensor names to every bottom and top of <paramref name="layers"/>.</summary>
    /// <exception cref="CalibException">A layer reads a blob nothing produces, or a label blob that is not fed.</exception>
    public static BlobVersions Assign(IReadOnlyList<CaffeInput> inputs, IReadOnlyList<LayerParameter> layers,
        IReadOnlyDictionary<string, string> unfedBlobs, UniqueNames names, string prototxt)
    {
        var versions = new BlobVersions();
        var inputNames = inputs.Select(i => i.Blob).ToHashSet(StringComparer.Ordinal);
        var lastWriter = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < layers.Count; i++)
            if (!PassThroughTypes.Contains(layers[i].Type))
                foreach (var top in layers[i].Top) lastWriter[top] = i;

        var current = inputs.ToDictionary(i => i.Blob, i => i.Blob, StringComparer.Ordinal);
        var passedBy = new Dictionary<string, string>(StringComparer.Ordinal);
        var firstWrite = new List<string>();
        // Caffe's view of what is left over: a blob whose last write no later layer reads.
        var unread = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            unread.ExceptWith(layer.Bottom);
            var bottoms = layer.Bottom.Select(b => current.TryGetValue(b, out var t) ? t : throw Unproduced(layer, b, unfedBlobs, prototxt)).ToArray();
            string[] tops;
            if (PassThroughTypes.Contains(layer.Type))
            {
                if (bottoms.Length != 1)
                    throw new CalibException($"'{prototxt}': layer '{layer.Name}' ({layer.Type}) has {bottoms.Length} bottoms; it takes exactly one.");
                tops = layer.Top.Select(_ => bottoms[0]).ToArray();
                foreach (var top in layer.Top) passedBy[top] = layer.Name;
            }
            else
            {
                foreach (var tensor in bottoms) versions._readers[tensor] = versions._readers.GetValueOrDefault(tensor) + 1;
                tops = layer.Top.Select(top => lastWriter[top] == i && !inputNames.Contains(top) ? top : names.Make($"{top}/{layer.Name}")).ToArray();
                foreach (var top in layer.Top) passedBy.Remove(top);
            }
            for (var t = 0; t < tops.Length; t++)
            {
                if (!current.ContainsKey(layer.Top[t])) firstWrite.Add(layer.Top[t]);
                current[layer.Top[t]] = tops[t];
                unread.Add(layer.Top[t]);
            }
            versions._bottoms.Add(bottoms);
            versions._tops.Add(tops);
        }
        versions.Outputs = firstWrite
            .Where(blob => unread.Contains(blob) && !inputNames.Contains(current[blob]))
            .Select(blob => new Output(blob, current[blob], passedBy.GetValueOrDefault(blob)))
            .DistinctBy(o => o.Tensor)
            .ToList();
        return versions;
    }

    private static CalibException Unproduced(LayerParameter layer, string blob, IReadOnlyDictionary<string, string> unfedBlobs, string prototxt) =>
        unfedBlobs.TryGetValue(blob, out var dataLayer)
            ? new CalibException(
                $"'{prototxt}': layer '{layer.Name}' ({layer.Type}) reads '{blob}', a label blob of data layer '{dataLayer}'; calib feeds only the image blob. Remove the layer or use a deploy prototxt.")
            : new CalibException(
                $"'{prototxt}': layer '{layer.Name}' ({layer.Type}) reads blob '{blob}', which no earlier layer produces (in the TEST phase). Check the bottom names.");
}
