using Calib.Graph.Analysis;
using Calib.Graph.Caffe.LayerMappers;
using Calib.Graph.Caffe.Proto;
using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Caffe;

/// <summary>
/// Converts a Caffe model (prototxt + caffemodel) to ONNX with Caffe's exact semantics: legacy nets
/// are upgraded, the TEST-phase layers kept, inputs found (input fields, Input layers, data layers),
/// trained blobs bound to layers by name, and every layer mapped by its <see cref="ILayerMapper"/>.
/// See docs/CAFFE.md.
/// </summary>
public static class CaffeImporter
{
    /// <summary>The ONNX opset of converted models.</summary>
    public const long Opset = 13;

    /// <summary>The name of the free batch dimension of converted models' inputs.</summary>
    public const string BatchDimension = "batch";

    /// <summary>The Caffe layer types calib converts, sorted (data and Input layers become graph inputs).</summary>
    public static IReadOnlyList<string> SupportedLayerTypes => LayerMapperRegistry.SupportedTypes;

    /// <summary>Converts <paramref name="prototxt"/> with the trained blobs of <paramref name="caffemodel"/>.</summary>
    /// <exception cref="CalibException">A file is missing or malformed (prototxt errors carry file:line:column), a layer type is not supported, a layer lacks its blobs, or the net is inconsistent.</exception>
    public static CaffeImport Import(string prototxt, string caffemodel, CaffeImportOptions? options = null)
    {
        options ??= new CaffeImportOptions();
        var warnings = new List<string>();
        void Warn(string message)
        {
            warnings.Add(message);
            options.Warn?.Invoke(message);
        }

        var net = V1Upgrade.Upgrade(CaffeFiles.ReadPrototxt(prototxt, Warn), prototxt);
        var weights = WeightsByLayer(V1Upgrade.Upgrade(CaffeFiles.ReadCaffemodel(caffemodel), caffemodel));
        IReadOnlyList<BlobProto> BlobsOf(string layer) => weights.GetValueOrDefault(layer) ?? [];
        var layers = TestPhase.Layers(net);
        CheckNames(layers, prototxt);
        WarnAboutGlobalStats(layers, Warn);
        var resolution = NetInputs.Resolve(net, layers, BlobsOf, options.InputShape, prototxt, Warn);
        var mappers = resolution.Layers.Select(l => LayerMapperRegistry.For(l.Type) ?? throw Unsupported(l, prototxt)).ToList();

        var names = new UniqueNames();
        var nodeNames = new UniqueNames();
        foreach (var layer in layers)
        {
            nodeNames.Reserve(layer.Name);
            foreach (var blob in layer.Bottom.Concat(layer.Top)) names.Reserve(blob);
        }
        foreach (var input in resolution.Inputs) names.Reserve(input.Blob);
        var versions = BlobVersions.Assign(resolution.Inputs, resolution.Layers, resolution.UnfedBlobs, names, prototxt);
        var graph = new ModelGraph(net.Name.Length > 0 ? net.Name : Path.GetFileNameWithoutExtension(prototxt));
        var import = new ImportGraph(graph, names, nodeNames, versions);
        foreach (var input in resolution.Inputs)
        {
            graph.Inputs.Add(ValueInfos.Tensor(input.Blob, DataType.Float, [BatchDimension, .. input.Shape.Skip(1).Cast<object>()]));
            import.Shapes[input.Blob] = input.Shape;
        }
        for (var i = 0; i < resolution.Layers.Count; i++)
        {
            var layer = resolution.Layers[i];
            var context = new LayerContext(import, layer, versions.BottomsOf(i), versions.TopsOf(i), BlobsOf(layer.Name), caffemodel);
            mappers[i].Map(context);
            for (var t = 0; t < context.OutputCount; t++) import.Shapes[context.Output(t)] = CheckedShape(context, context.OutputShapes[t]);
            import.LayerOutputs[layer.Name] = versions.TopsOf(i);
        }
        AddOutputs(import, versions);

        var model = new OnnxModel(graph, Opset) { SourcePath = prototxt };
        DeclareOutputShapes(model);
        LayerRestrictions.Store(model, import.Restrictions);
        if (resolution.Preprocessing is { } preprocessing) model.SetMetadata(CaffePreprocessing.MetadataKey, preprocessing.ToJson());
        return new CaffeImport(model, resolution.Inputs, resolution.Preprocessing, import.LayerOutputs, import.Restrictions,
            import.MergedLayers, warnings);
    }

    // The most elements one blob may hold: int indexing of its values, and far above any real network.
    private const long MaxBlobElements = int.MaxValue;

    // The mappers size later layers from these shapes; absurd parameters (pad: 2147483647) stop here.
    private static long[] CheckedShape(LayerContext layer, long[] shape)
    {
        var elements = 1.0;
        foreach (var dim in shape) elements *= dim;
        if (shape.Any(d => d < 0) || elements > MaxBlobElements)
            throw layer.Error($"its output shape [{string.Join(",", shape)}] is {(shape.Any(d => d < 0) ? "negative" : "too large")}: check the layer's parameters (kernel, pad, stride, num_output).");
        return shape;
    }

    // Caffe binds trained blobs to layers by name; the first layer of a name that has blobs wins
    // (train/test caffemodels repeat blob-less data layers under one name).
    private static Dictionary<string, IReadOnlyList<BlobProto>> WeightsByLayer(NetParameter trained)
    {
        var weights = new Dictionary<string, IReadOnlyList<BlobProto>>(StringComparer.Ordinal);
        foreach (var layer in trained.Layer.Where(l => l.Blobs.Count > 0))
            weights.TryAdd(layer.Name, layer.Blobs);
        return weights;
    }

    private static void CheckNames(IReadOnlyList<LayerParameter> layers, string prototxt)
    {
        foreach (var layer in layers.Where(l => l.Name.Length == 0 || l.Type.Length == 0))
            throw new CalibException($"'{prototxt}': a layer has no {(layer.Name.Length == 0 ? "name" : "type")} (layer '{layer.Name}', type '{layer.Type}'). Give every layer a name and a type.");
        var duplicate = layers.GroupBy(l => l.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new CalibException($"'{prototxt}': {duplicate.Count()} layers of the TEST-phase net are named '{duplicate.Key}'; weights are bound by layer name, so names must be unique.");
    }

    // Caffe uses the stored statistics at test time unless use_global_stats is explicitly false.
    private static void WarnAboutGlobalStats(IReadOnlyList<LayerParameter> layers, Action<string> warn)
    {
        var batchStatistics = layers.Where(l => l is { Type: "BatchNorm", BatchNormParam: { HasUseGlobalStats: true, UseGlobalStats: false } }).Select(l => l.Name).ToList();
        if (batchStatistics.Count > 0) warn(CaffeNotices.BatchStatistics(batchStatistics));
    }

    private static CalibException Unsupported(LayerParameter layer, string prototxt) => new(
        $"'{prototxt}': layer '{layer.Name}' has type '{layer.Type}', which calib cannot import. Supported types: {string.Join(", ", SupportedLayerTypes)} (plus Input and data layers).");

    // Graph outputs keep the Caffe blob names. A blob whose final value is a pass-through of another
    // blob (a Dropout or Split top nobody reads) gets an Identity named after that layer.
    private static void AddOutputs(ImportGraph import, BlobVersions versions)
    {
        foreach (var output in versions.Outputs)
        {
            var tensor = output.Tensor;
            if (output.PassThroughLayer is { } layer && tensor != output.Blob)
            {
                import.Graph.AddNode("Identity", layer, [tensor], [output.Blob]);
                import.Shapes[output.Blob] = import.Shapes[tensor];
                import.LayerOutputs[layer] = [output.Blob];
                tensor = output.Blob;
            }
            import.Graph.Outputs.Add(new ValueInfoProto { Name = tensor });
        }
    }

    // Output dimensions may depend on the free batch or be fixed by the prototxt (a Reshape to 1×…):
    // ONNX Runtime's shape inference works them out for outputs declared by name only, and loading
    // the model proves that it runs.
    private static void DeclareOutputShapes(OnnxModel model)
    {
        ModelRunner runner;
        try
        {
            runner = ModelRunner.Create(model, new ExecutionOptions { Optimize = false });
        }
        catch (CalibException e)
        {
            throw new InvalidOperationException($"calib converted '{model.Graph.Name}' to a model ONNX Runtime rejects: {e.Message}", e);
        }
        using (runner)
            foreach (var output in model.Graph.Outputs)
            {
                var metadata = runner.OutputMetadata[output.Name];
                var shape = new TensorShapeProto();
                for (var i = 0; i < metadata.Dimensions.Length; i++)
                    shape.Dim.Add(metadata.Dimensions[i] >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = metadata.Dimensions[i] }
                        : metadata.SymbolicDimensions[i].Length > 0 ? new TensorShapeProto.Types.Dimension { DimParam = metadata.SymbolicDimensions[i] }
                        : new TensorShapeProto.Types.Dimension());
                output.Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = shape } };
            }
    }
}
