using Calib.Graph.Caffe.Proto;

namespace Calib.Graph.Caffe;

/// <summary>A blob fed to the network: its name, its Caffe shape (batch first), and what declared it.</summary>
/// <param name="Blob">The blob name, kept as the ONNX input name.</param>
/// <param name="Shape">The dimensions; the first is the batch, which the ONNX input leaves free.</param>
/// <param name="DeclaredBy">Where the input comes from, for messages: "input field", "Input layer 'x'", "Data layer 'x'".</param>
public sealed record CaffeInput(string Blob, long[] Shape, string DeclaredBy);

/// <summary>
/// Finds a network's inputs and what is left to compute: <c>input:</c> fields with <c>input_shape</c>
/// (or upgraded <c>input_dim</c>), <c>Input</c> layers, and — in train/test nets — data layers
/// (Data, ImageData, MemoryData, HDF5Data, DummyData), whose first top becomes an input of the image
/// shape they produce and whose other tops (labels) are not fed. The <c>transform_param</c> of the
/// first Data, ImageData or MemoryData layer is the model's preprocessing.
/// </summary>
internal static class NetInputs
{
    private static readonly HashSet<string> DataLayerTypes = new(StringComparer.Ordinal)
    {
        "Data", "ImageData", "MemoryData", "HDF5Data", "DummyData",
    };

    // The data layers whose images pass through Caffe's DataTransformer (transform_param).
    private static readonly HashSet<string> TransformingTypes = new(StringComparer.Ordinal) { "Data", "ImageData", "MemoryData" };

    // Image sizes (channels, height, width) of the data sets Caffe's examples train on, recognised
    // in a Data layer's source path when the net does not state its image size.
    private static readonly (string Name, long[] Chw)[] KnownDataSets =
    [
        ("mnist", [1, 28, 28]),
        ("cifar", [3, 32, 32]),
    ];

    /// <summary>What <see cref="Resolve"/> found.</summary>
    /// <param name="Inputs">The network inputs, in declaration order.</param>
    /// <param name="Layers">The layers to map: the given ones without Input and data layers.</param>
    /// <param name="Preprocessing">The preprocessing of the first Data, ImageData or MemoryData layer; null without one.</param>
    /// <param name="UnfedBlobs">Data-layer tops that are not fed (labels), each with its layer's name.</param>
    public sealed record Resolution(
        IReadOnlyList<CaffeInput> Inputs, IReadOnlyList<LayerParameter> Layers, CaffePreprocessing? Preprocessing,
        IReadOnlyDictionary<string, string> UnfedBlobs);

    /// <summary>Finds the inputs of <paramref name="net"/> (already upgraded) given its TEST-phase <paramref name="layers"/>.</summary>
    /// <param name="net">The upgraded net, for its input fields.</param>
    /// <param name="layers">The layers Caffe runs at inference.</param>
    /// <param name="weights">The trained blobs of a layer by name (to read a data blob's channels off the first convolution).</param>
    /// <param name="inputShape">A shape the user gave for the single input; overrides the declared one.</param>
    /// <param name="prototxt">The prototxt path, for messages and for finding mean files.</param>
    /// <param name="warn">Receives warnings.</param>
    public static Resolution Resolve(NetParameter net, IReadOnlyList<LayerParameter> layers,
        Func<string, IReadOnlyList<BlobProto>> weights, long[]? inputShape, string prototxt, Action<string> warn)
    {
        var inputs = new List<(string Blob, long[]? Shape, string DeclaredBy)>();
        var remaining = new List<LayerParameter>();
        var unfed = new Dictionary<string, string>(StringComparer.Ordinal);
        CaffePreprocessing? preprocessing = null;
        if (net.InputShape.Count != 0 && net.InputShape.Count != net.Input.Count)
            throw new CalibException($"'{prototxt}' declares {net.Input.Count} input(s) but {net.InputShape.Count} input_shape entries: give one shape per input.");
        for (var i = 0; i < net.Input.Count; i++)
            inputs.Add((net.Input[i], i < net.InputShape.Count ? net.InputShape[i].Dim.ToArray() : null, "input field"));
        foreach (var layer in layers)
        {
            if (layer.Type == "Input")
            {
                var shapes = layer.InputParam?.Shape ?? [];
                for (var t = 0; t < layer.Top.Count; t++)
                {
                    long[]? shape = shapes.Count == 1 ? shapes[0].Dim.ToArray() : t < shapes.Count ? shapes[t].Dim.ToArray() : null;
                    inputs.Add((layer.Top[t], shape, $"Input layer '{layer.Name}'"));
                }
            }
            else if (DataLayerTypes.Contains(layer.Type))
            {
                if (layer.Top.Count == 0) continue;
                var shapes = DataShapes(layer, layers, weights);
                for (var t = 0; t < layer.Top.Count; t++)
                {
                    if (t < shapes.Count) inputs.Add((layer.Top[t], shapes[t], $"{layer.Type} layer '{layer.Name}'"));
                    else unfed[layer.Top[t]] = layer.Name;
                }
                if (TransformingTypes.Contains(layer.Type))
                    preprocessing ??= CaffePreprocessing.From(layer, Path.GetDirectoryName(Path.GetFullPath(prototxt))!, warn);
            }
            else remaining.Add(layer);
        }
        if (inputs.Count == 0)
            throw new CalibException(
                $"'{prototxt}' declares no input: add 'input: \"data\"' with input_shape, an Input layer, or a data layer.");
        if (inputShape is not null && inputs.Count != 1)
            throw new CalibException(
                $"'{prototxt}' has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Blob))}); --input-shape sets the shape of a single input only.");
        var resolved = inputs.Select(i => new CaffeInput(i.Blob, inputShape ?? i.Shape ?? throw MissingShape(i.Blob, i.DeclaredBy, prototxt), i.DeclaredBy)).ToList();
        foreach (var input in resolved.Where(i => i.Shape.Length == 0 || i.Shape.Any(d => d <= 0)))
            throw new CalibException(
                $"'{prototxt}': input '{input.Blob}' ({input.DeclaredBy}) has shape {BlobReader.Format(input.Shape)}; every dimension must be positive. Pass --input-shape N,C,H,W.");
        return new Resolution(resolved, remaining, preprocessing, unfed);
    }

    private static CalibException MissingShape(string blob, string declaredBy, string prototxt) => new(
        $"'{prototxt}': the shape of input '{blob}' ({declaredBy}) is not stated in the prototxt. Pass --input-shape N,C,H,W (e.g. --input-shape 1,3,224,224).");

    // The shapes of the fed tops of a data layer: the image blob, and for DummyData every top.
    // A null shape means it is unknown (the user must give it).
    private static List<long[]?> DataShapes(LayerParameter layer, IReadOnlyList<LayerParameter> layers, Func<string, IReadOnlyList<BlobProto>> weights)
    {
        switch (layer.Type)
        {
            case "MemoryData":
                var memory = layer.MemoryDataParam;
                return [memory is null ? null : [memory.BatchSize, memory.Channels, memory.Height, memory.Width]];
            case "DummyData":
                var dummy = layer.DummyDataParam ?? new DummyDataParameter();
                return layer.Top.Select((_, t) => DummyShape(dummy, t)).ToList();
        }
        var batch = layer.Type switch
        {
            "Data" => layer.DataParam?.BatchSize ?? 1,
            "ImageData" => layer.ImageDataParam?.BatchSize ?? 1,
            _ => layer.Hdf5DataParam?.BatchSize ?? 1,
        };
        if (ImageSize(layer) is not { } size) return [null];
        var channels = size.Channels ?? ChannelsOfFirstConvolution(layer.Top[0], layers, weights);
        return channels is null ? [null] : [[Math.Max(batch, 1u), channels.Value, size.Height, size.Width]];
    }

    private static long[]? DummyShape(DummyDataParameter dummy, int top)
    {
        if (dummy.Shape.Count > 0) return dummy.Shape[Math.Min(top, dummy.Shape.Count - 1)].Dim.ToArray();
        if (dummy.Num.Count == 0) return null;
        long Pick(IList<uint> values) => values.Count == 0 ? 1 : values[Math.Min(top, values.Count - 1)];
        return [Pick(dummy.Num), Pick(dummy.Channels), Pick(dummy.Height), Pick(dummy.Width)];
    }

    // The image size when the layer says it; channels from force_gray/force_color/is_color when set.
    private static (long? Channels, long Height, long Width)? ImageSize(LayerParameter layer)
    {
        var transform = layer.TransformParam ?? new TransformationParameter();
        long? channels = transform.ForceGray ? 1 : transform.ForceColor ? 3 : null;
        if (layer.ImageDataParam is { } image) channels ??= image.IsColor ? 3 : 1;
        if (transform.CropSize > 0) return (channels, transform.CropSize, transform.CropSize);
        if (layer.ImageDataParam is { NewHeight: > 0, NewWidth: > 0 } resized) return (channels, resized.NewHeight, resized.NewWidth);
        var source = layer.DataParam?.Source ?? layer.ImageDataParam?.Source ?? layer.Hdf5DataParam?.Source ?? "";
        foreach (var (name, chw) in KnownDataSets)
            if (source.Contains(name, StringComparison.OrdinalIgnoreCase))
                return (channels ?? chw[0], chw[1], chw[2]);
        return null;
    }

    // The channels of a blob, read off the weights of the first convolution that reads it.
    private static long? ChannelsOfFirstConvolution(string blob, IReadOnlyList<LayerParameter> layers, Func<string, IReadOnlyList<BlobProto>> weights)
    {
        var reader = layers.FirstOrDefault(l => l.Bottom.Contains(blob));
        if (reader is not { Type: "Convolution" or "Deconvolution" } || weights(reader.Name) is not { Count: > 0 } blobs) return null;
        var dims = BlobReader.Dims(blobs[0]);
        if (dims.Length != 4) return null;
        var group = reader.ConvolutionParam?.Group ?? 1;
        return reader.Type == "Convolution" ? dims[1] * group : dims[0];
    }
}
