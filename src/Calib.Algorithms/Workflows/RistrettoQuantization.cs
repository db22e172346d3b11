using System.Diagnostics;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Preparation;
using Calib.Algorithms.Ristretto;
using Calib.Graph;
using Calib.Graph.Caffe;
using Calib.Graph.Caffe.Proto;
using Calib.Graph.IO;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Shapes;

namespace Calib.Algorithms.Workflows;

/// <summary>The result of <see cref="RistrettoQuantization.Execute"/>.</summary>
/// <param name="Analysis">The search's rows and choice.</param>
/// <param name="Ranges">The analysed ranges of each layer, by layer name.</param>
/// <param name="Samples">How many samples each score covered.</param>
/// <param name="Files">The files written.</param>
/// <param name="Elapsed">The wall-clock time.</param>
public sealed record RistrettoOutcome(RistrettoAnalysis Analysis, IReadOnlyDictionary<string, LayerRanges> Ranges, int Samples, IReadOnlyList<string> Files, TimeSpan Elapsed);

/// <summary>
/// <c>calib ristretto quantize</c> end to end: load the model, score the float net, analyse the ranges,
/// run Ristretto's search for the trimming mode, and write the quantized description and the
/// simulation model.
/// </summary>
public static class RistrettoQuantization
{
    // Ristretto gathers its ranges over 10 batches (of the training set; calib uses the evaluation set).
    private const int RangeBatches = 10;

    /// <summary>Runs <paramref name="request"/>; <paramref name="progress"/> hears each step, <paramref name="warn"/> each warning.</summary>
    /// <exception cref="CalibException">A user error: files, data, model.</exception>
    /// <param name="request">The model, evaluation set and search settings.</param>
    /// <param name="progress">Hears each step of the search.</param>
    /// <param name="warn">Receives warnings (Caffe conversion notes).</param>
    public static RistrettoOutcome Execute(RistrettoRequest request, Action<string>? progress = null, Action<string>? warn = null)
    {
        var clock = Stopwatch.StartNew();
        Validate(request);
        // Claimed before the search: an unwritable or busy output folder fails at once.
        using var folder = Graph.IO.OutputFolder.Claim(Path.GetDirectoryName(Path.GetFullPath(request.QuantizedModelPath))!);
        // Ristretto quantizes the net as trained: BatchNorm and Scale layers stay separate.
        var prepared = PreparedModel.Load(new ModelSource(request.ModelPath, request.WeightsPath, request.InputShape),
            new PreparationSettings { Overrides = new SettingOverrides { DoFusion = false } }, warn);
        var (loaded, model) = (prepared.Loaded, prepared.Model);
        if (model.DefaultOpset < 12)
            throw new CalibException($"Model '{request.ModelPath}' uses opset {model.DefaultOpset}: Ristretto's simulation needs opset 12 or later (convert it with onnx.version_converter).");
        var layers = RistrettoLayer.Find(model.Graph);
        if (layers.Count == 0)
            throw new CalibException($"Model '{request.ModelPath}' has no Convolution, Deconvolution or InnerProduct layer with constant weights: Ristretto has nothing to quantize.");
        var net = loaded.Caffe is null ? null : ReadNet(request.ModelPath);
        var blobs = net is null ? null : new BlobTensors(net, loaded.Caffe!);

        var samples = request.Iterations * request.BatchSize;
        var input = ModelInput.Of(model, request.ModelPath);
        // A fixed batch dimension must match --batch-size: the scorer feeds batches of exactly that size.
        input.BatchSize(request.BatchSize, fallback: request.BatchSize, request.ModelPath);
        // Flags, else recorded metadata, else a Caffe transform_param: the same resolution and source as 'calib run'.
        var (preprocessing, preprocessingSource) = PreprocessingMetadata.Resolve(request.Preprocessing, loaded, request.ModelPath);
        var set = LabelledImages.Open(request.EvalSet, samples, input.Layout, preprocessing);
        if (set.Count < samples)
            throw new CalibException($"Evaluation set '{request.EvalSet}' has {set.Count} samples; --iterations {request.Iterations} × --batch-size {request.BatchSize} needs {samples}.");
        WarnOfRawPixels(set, request.BatchSize, preprocessingSource != PreprocessingMetadata.None, warn);
        var scoreTensor = blobs?.ScoreTensor() ?? model.Graph.Outputs[0].Name;
        var scorer = new AccuracyScorer(set, scoreTensor, request.BatchSize, request.Iterations, request.Execution);

        progress?.Invoke("scoring the float net");
        var baseline = scorer.Accuracy(model);
        progress?.Invoke("analysing layer ranges");
        var ranges = Ranges(model, layers, scorer, blobs);
        var analysis = new RistrettoSearch(layers, ranges, Simulated, request.ErrorMargin, progress).Run(request.TrimmingMode, baseline);

        double Simulated(IReadOnlyList<KeyValuePair<string, RistrettoLayerFormat>> formats) =>
            scorer.Accuracy(RistrettoSimulation.Build(model, layers, formats.ToDictionary(StringComparer.Ordinal)));

        var files = Write(request, model, layers, net, analysis, preprocessing);
        return new RistrettoOutcome(analysis, ranges, samples, files, clock.Elapsed);
    }

    private static void Validate(RistrettoRequest request)
    {
        if (request.Iterations < 1) throw new CalibException($"--iterations must be at least 1, not {request.Iterations}.");
        ModelInput.CheckBatchSize(request.BatchSize);
        if (request.ErrorMargin < 0 || !double.IsFinite(request.ErrorMargin))
            throw new CalibException($"--error-margin is an absolute accuracy drop in percent, 0 or more, not {request.ErrorMargin}.");
    }

    private static void WarnOfRawPixels(LabelledImages set, int batchSize, bool preprocessingGiven, Action<string>? warn)
    {
        var first = set.Data.Take(batchSize * set.SampleSize).DefaultIfEmpty().ToArray();
        if (RawPixelCheck.Warning(first.Min(), first.Max(), preprocessingGiven) is { } warning) warn?.Invoke(warning);
    }

    private static NetParameter ReadNet(string path)
    {
        var net = CaffeFiles.ReadPrototxt(path);
        return net.Layers.Count > 0 ? V1Upgrade.Upgrade(net, path) : net;
    }

    private static Dictionary<string, LayerRanges> Ranges(OnnxModel model, IReadOnlyList<RistrettoLayer> layers, AccuracyScorer scorer, BlobTensors? blobs)
    {
        string OutputOf(RistrettoLayer l) => blobs?.FinalTensorOfTop(l.Name) ?? l.Output;
        var tensors = layers.SelectMany(l => new[] { l.Input, OutputOf(l) }).ToList();
        var seen = scorer.Magnitudes(model, tensors, RangeBatches);
        return layers.ToDictionary(
            l => l.Name,
            l =>
            {
                var (input, output) = (seen[l.Input], seen[OutputOf(l)]);
                var weights = Magnitudes.Of(TensorData.ReadFloats(model.Graph.Initializers[l.Weight]));
                return new LayerRanges(input.Max, output.Max, weights.Max, input.MinNonZero, output.MinNonZero, weights.MinNonZero);
            },
            StringComparer.Ordinal);
    }

    private static List<string> Write(RistrettoRequest request, OnnxModel model, IReadOnlyList<RistrettoLayer> layers, NetParameter? net, RistrettoAnalysis analysis,
        Preprocessing preprocessing)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(request.QuantizedModelPath))!;
        var name = Path.GetFileName(request.QuantizedModelPath);
        var simulation = RistrettoSimulation.Build(model, layers, analysis.Formats.ToDictionary(StringComparer.Ordinal));
        PreprocessingMetadata.Stamp(simulation, preprocessing);
        var description = net is not null
            ? RistrettoPrototxt.Write(net, layers, analysis.Formats)
            : RistrettoPrototxt.WriteJson(RistrettoRequest.ModeName(analysis.Mode), layers, analysis.Formats);
        var files = new OutputFileSet(directory);
        files.AddText(name, description);
        files.AddModel($"{Path.GetFileNameWithoutExtension(name)}_simulation.onnx", simulation);
        files.Commit();
        return files.Paths.ToList();
    }

    // Caffe blobs and the tensors that hold them: a top rewritten in place (a ReLU after an
    // InnerProduct) ends in the in-place layer's tensor, which is what Ristretto's analysis reads
    // after the forward pass.
    private sealed class BlobTensors(NetParameter net, CaffeImport import)
    {
        public string? FinalTensorOfTop(string layerName) =>
            net.Layer.FirstOrDefault(l => l.Name == layerName) is { Top.Count: > 0 } layer ? FinalTensor(layer.Top[0]) : null;

        // The Accuracy layer's first bottom: the class scores Ristretto's score is computed from.
        public string? ScoreTensor() =>
            net.Layer.FirstOrDefault(l => l.Type == "Accuracy" && l.Bottom.Count > 0) is { } accuracy ? FinalTensor(accuracy.Bottom[0]) : null;

        private string? FinalTensor(string blob)
        {
            string? tensor = null;
            foreach (var layer in net.Layer)
            {
                var index = layer.Top.IndexOf(blob);
                if (index >= 0 && import.LayerOutputs.TryGetValue(layer.Name, out var outputs) && index < outputs.Count) tensor = outputs[index];
            }
            return tensor;
        }
    }
}
