using System.Text.Json;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Export;
using Calib.Algorithms.Preparation;
using Calib.Algorithms.Reporting;
using Calib.Algorithms.Quantization;
using Calib.Algorithms.Retrain;
using Calib.Graph;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Quantization;

namespace Calib.Algorithms.Workflows;

/// <summary>
/// <c>calib retrain import</c>: takes a fine-tuned model with QuantizeLinear/DequantizeLinear pairs and
/// writes the same outputs as <c>calib run</c>, keeping every learned scale and zero point exactly.
/// Layers whose input the model does not quantize stay float. Tensors the deploy model quantizes but the
/// fine-tuned model does not (e.g. a residual branch before its Add) are measured on <c>--calib-set</c>
/// images, or taken from the export's <c>_retrain_config.json</c>.
/// </summary>
public static class RetrainImport
{
    /// <summary>Runs the import.</summary>
    public static CalibrationOutcome Execute(RetrainImportRequest request, Action<int, int>? onBatch = null, Action<string>? warn = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Claimed before measuring: an unwritable or busy output folder fails at once.
        using var folder = Graph.IO.OutputFolder.Claim(request.OutputDirectory);
        var exported = request.RangesPath is { } rangesPath ? ExportedRanges.Read(rangesPath) : null;
        var fineTuned = OnnxModelFile.Load(request.ModelPath);
        // Images are preprocessed as the flags say, else as the export recorded, else as the model records.
        var known = request.Preprocessing ?? exported?.Preprocessing ?? PreprocessingMetadata.Read(fineTuned, request.ModelPath);
        var preprocessing = known ?? new Preprocessing();
        var learned = LearnedQuantization.Read(fineTuned);
        if (learned.Activations.Count == 0)
            throw new CalibException($"'{request.ModelPath}' has no QuantizeLinear/DequantizeLinear pair on any activation: it is not a fine-tuned QDQ model. Use 'calib run' for a float model.");
        var prepared = PreparedModel.Prepare(new ModelSource(request.ModelPath), new LoadedModel(learned.FloatModel, null), warn: warn);
        var (model, config) = (prepared.Model, prepared.Config);
        var activations = InheritThroughPassingOps(model.Graph, learned.Activations);
        var verdicts = prepared.Verdicts.ToDictionary(v => v.Node.Name, StringComparer.Ordinal);
        foreach (var (layerName, settings) in config.Layers.ToList())
        {
            var verdict = verdicts[layerName];
            // A MatMul of two activations needs both learned.
            if (new[] { verdict.Node.Inputs[0], verdict.SecondInput }.FirstOrDefault(i => i is not null && !activations.ContainsKey(i)) is not { } input) continue;
            warn?.Invoke($"layer '{layerName}': its input '{input}' has no learned quantization in the model; the layer stays float.");
            config.Layers[layerName] = settings with { QuantEnable = false };
        }
        var plan = CalibrationPlan.Build(model, prepared.Verdicts, config, warn);
        var layers = plan.Layers.Select(layer => new LayerQuantization(
            layer, Learned(layer.Input, activations[layer.Input]), Weights(model.Graph, layer, learned, warn),
            layer.SecondInput is { } second ? Learned(second, activations[second]) : null)).ToList();
        var deploy = DeployTensors(request, preprocessing, exported, plan, learned.Activations, activations, model, onBatch, warn);
        var result = new QuantizationResult(layers, deploy);

        var name = OutputStem.Of(request.ModelPath, request.OutputDirectory);
        var files = StandardOutputs.Build(name, request.OutputDirectory, plan, result, StandardOutputs.DeployModel(plan, result, known), config,
            new Dictionary<string, object?>
            {
                ["model"] = Path.GetFileName(request.ModelPath),
                ["source"] = "quantization-aware training (calib retrain import)",
                ["learned_tensors"] = learned.Activations.Count,
                ["learned_weights"] = learned.Weights.Count,
                ["preprocessing"] = known,
                ["preprocessing_text"] = known?.Describe(),
                ["preprocessing_source"] = request.Preprocessing is not null ? PreprocessingMetadata.FromFlags
                    : exported?.Preprocessing is not null ? "ranges file" : known is not null ? $"model ({PreprocessingMetadata.MetadataKey} metadata)" : "unknown",
            }, known);
        if (request.EvalSet is { } evalSet)
            ReportFiles.AddTables(files, $"{name}_accuracy", Evaluate(request, preprocessing, evalSet, learned.FloatModel, name, plan, result));
        files.Commit();
        return new CalibrationOutcome(plan, result, config, [.. files.Paths], 0, clock.Elapsed, prepared.ChangeSummary);
    }

    // The fine-tuned float weights are the baseline: what the report measures is the quantization.
    private static EvaluationReport Evaluate(RetrainImportRequest request, Preprocessing preprocessing, string evalSet, OnnxModel floatModel, string name,
        CalibrationPlan plan, QuantizationResult result)
    {
        var settings = new EvaluationSettings { Preprocessing = preprocessing, BatchSize = request.BatchSize, Execution = request.Execution };
        var data = EvaluationData.Open(floatModel, request.ModelPath, evalSet, settings);
        var clips = result.Layers.ToDictionary(l => l.Layer.Name, l => l.Input.Clip, StringComparer.Ordinal);
        return Evaluator.Evaluate(new NamedModel($"{name} (float weights)", floatModel),
            new NamedModel($"{name}_fake_quant.onnx", QdqModels.FakeQuant(plan, result)),
            [new NamedModel($"{name}_deploy.onnx", QdqModels.Deploy(plan, result))], data, settings, clips);
    }

    // PyTorch's quantized pooling and reshaping keep their input's scale and zero point, so QAT
    // exports put no fake quantization after them; their outputs take the input's.
    private static readonly HashSet<string> KeepsQuantization =
        ["MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose"];

    private static Dictionary<string, ActivationQdq> InheritThroughPassingOps(ModelGraph graph, IReadOnlyDictionary<string, ActivationQdq> learned)
    {
        var activations = new Dictionary<string, ActivationQdq>(learned, StringComparer.Ordinal);
        foreach (var node in graph.Nodes.Where(n => n.IsStandard && KeepsQuantization.Contains(n.OpType)))
            if (!activations.ContainsKey(node.Outputs[0]) && activations.TryGetValue(node.Inputs[0], out var qdq))
                activations[node.Outputs[0]] = qdq;
        return activations;
    }

    private static ActivationQuantization Learned(string tensor, ActivationQdq qdq)
    {
        var (qmin, qmax) = qdq.Signed ? (-128, 127) : (0, 255);
        var parameters = new QuantParams(qdq.Scale, qdq.ZeroPoint, qmin, qmax);
        var clip = new ClipRange((qmin - qdq.ZeroPoint) * (double)qdq.Scale, (qmax - qdq.ZeroPoint) * (double)qdq.Scale);
        var options = new ActivationAlgorithmOptions { Asymmetric = !qdq.Signed };
        return new ActivationQuantization(tensor, ActivationAlgorithm.Learned, options, clip.Min, clip.Max, clip, parameters);
    }

    private static QuantizedWeights? Weights(ModelGraph graph, CalibrationLayer layer, LearnedQuantization learned, Action<string>? warn)
    {
        if (layer.Weight is not { } name) return null;
        var tensor = graph.Initializers[name];
        var values = TensorData.ReadFloats(tensor);
        if (learned.Weights.TryGetValue(name, out var scales))
            return WeightQuantizer.WithScales(values, tensor.Dims, scales.Scales.Length == 1 ? layer.WeightAxis : scales.Axis, scales.Scales);
        warn?.Invoke($"layer '{layer.Name}': weight '{name}' has no learned quantization (or was changed by BatchNorm folding); its scales are computed (arq_quantize).");
        return WeightQuantizer.Arq(values, tensor.Dims, layer.WeightAxis, layer.Settings.Weights.ChannelWise);
    }

    private static IReadOnlyDictionary<string, ActivationQuantization> DeployTensors(RetrainImportRequest request, Preprocessing preprocessing, ExportedRanges? exported, CalibrationPlan plan,
        IReadOnlyDictionary<string, ActivationQdq> learned, IReadOnlyDictionary<string, ActivationQdq> activations, OnnxModel model,
        Action<int, int>? onBatch, Action<string>? warn)
    {
        var deploy = new Dictionary<string, ActivationQuantization>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var tensor in plan.Deploy.Calibrated)
        {
            if (learned.TryGetValue(tensor, out var qdq)) deploy[tensor] = Learned(tensor, qdq);
            // A range the export wrote for this place beats one only inherited through pooling: calib's export
            // calibrated it (an AveragePool output has its own range), so importing its model reproduces it.
            else if (exported is not null && LayerRangeMatching.Find(model.Graph, tensor, exported.Tensors, exported.Producers) is { } range) deploy[tensor] = range;
            else if (activations.TryGetValue(tensor, out qdq)) deploy[tensor] = Learned(tensor, qdq);
            else missing.Add(tensor);
        }
        if (missing.Count == 0) return deploy;
        if (request.CalibrationSet is not null)
        {
            foreach (var measured in Measure(request, preprocessing, model, missing, onBatch, warn)) deploy[measured.Tensor] = measured;
        }
        else if (exported is not null)
        {
            foreach (var (tensor, range) in LayerRangeMatching.Match(model.Graph, missing, exported.Tensors, exported.Producers, request.RangesPath!)) deploy[tensor] = range;
        }
        else
        {
            throw new CalibException(
                $"The deploy model quantizes {missing.Count} tensor(s) the fine-tuned model does not ({string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", …" : "")}). " +
                "Give --calib-set images to measure them, or --ranges <model>_retrain_config.json from 'calib retrain export'.");
        }
        // Keep the plan's order, so that files are the same from run to run.
        return plan.Deploy.Calibrated.ToDictionary(t => t, t => deploy[t]);
    }

    private static IEnumerable<ActivationQuantization> Measure(RetrainImportRequest request, Preprocessing preprocessing, OnnxModel model,
        IReadOnlyList<string> tensors, Action<int, int>? onBatch, Action<string>? warn)
    {
        var observation = new CalibrationSetObservation(request.ModelPath, request.CalibrationSet!, preprocessing, request.BatchSize,
            request.BatchNum, request.Execution);
        var statistics = observation.Observe(observation.Open(model, warn), model, tensors, _ => "a tensor of the deploy model", onBatch);
        var settings = new ActivationQuantSettings(ActivationAlgorithm.Ifmr, new ActivationAlgorithmOptions());
        return LayerQuantizer.QuantizeTensors(model.Graph, statistics, tensors, settings);
    }

    // What a _retrain_config.json from 'calib retrain export' supplies: deploy-tensor ranges and the preprocessing used.
    private sealed record ExportedRanges(Dictionary<string, ActivationQuantization> Tensors, Dictionary<string, TensorProducer?> Producers, Preprocessing? Preprocessing)
    {
        public static ExportedRanges Read(string path)
        {
            JsonElement root;
            try { root = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowDuplicateProperties = false }).RootElement; }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                throw new CalibException($"Cannot read ranges file '{path}': {e.Message}");
            }
            if (!root.TryGetProperty("format", out var format) || format.GetString() != RetrainConfigFile.Format || !root.TryGetProperty("tensors", out var tensors))
                throw new CalibException($"'{path}' is not a {RetrainConfigFile.Format} file from 'calib retrain export'.");
            var ranges = tensors.EnumerateObject().ToDictionary(
                t => t.Name,
                t => Learned(t.Name, new ActivationQdq(t.Value.GetProperty("scale_d").GetSingle(), t.Value.GetProperty("zero_point").GetInt32(),
                    t.Value.GetProperty("type").GetString() == "int8")) with { Algorithm = ActivationAlgorithm.Ifmr });
            var producers = tensors.EnumerateObject().ToDictionary(t => t.Name, t => TensorProducer.Read(t.Value));
            var preprocessing = root.TryGetProperty("preprocessing", out var p) ? p.Deserialize<Preprocessing>() : null;
            return new ExportedRanges(ranges, producers, preprocessing);
        }
    }
}
