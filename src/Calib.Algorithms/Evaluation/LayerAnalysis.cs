using Calib.Algorithms.Quantization;
using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.Analysis;
using Calib.Graph.Ir;
using Calib.Graph.Passes;
using Calib.Graph.Quantization;

namespace Calib.Algorithms.Evaluation;

/// <summary>
/// The per-layer half of an evaluation, on the layer samples (read once and kept; labels not
/// needed): every layer's output compared by name between the float and the quantized model (the
/// cumulative error), then, for each layer, the model with only that layer quantized (every other
/// layer's Q/DQ stripped) compared with the float model — the error the layer adds, the SQNR of the
/// model output and, when sensitivity is measured by accuracy, the top-1 on the whole labelled set.
/// </summary>
/// <param name="floatModel">The float model.</param>
/// <param name="quantized">The quantized model.</param>
/// <param name="batches">The layer samples.</param>
/// <param name="data">The labelled set, for sensitivity by accuracy; null when there are no labels (sensitivity by SQNR only).</param>
/// <param name="settings">Sensitivity measure and device.</param>
/// <param name="progress">Progress of each stage.</param>
internal sealed class LayerAnalysis(
    NamedModel floatModel, NamedModel quantized, IReadOnlyList<InputBatch> batches, EvaluationData? data, EvaluationSettings settings,
    Action<EvaluationProgress>? progress)
{
    private const string ErrorStage = "layer errors";

    /// <summary>Analyses <paramref name="layers"/> and fills <paramref name="histograms"/> (per layer) with what reaches their input quantizers.</summary>
    /// <param name="layers">The quantized layers.</param>
    /// <param name="recordClips">Layer name → clip range chosen by calibration, when known.</param>
    /// <param name="floatScore">The float model's score; needed for sensitivity by accuracy.</param>
    /// <param name="histograms">Filled per layer name.</param>
    public IReadOnlyList<LayerReport> Run(IReadOnlyList<QuantizedLayer> layers, IReadOnlyDictionary<string, ClipRange>? recordClips,
        ModelScore? floatScore, Dictionary<string, StreamingHistogram> histograms)
    {
        if (settings.Sensitivity == SensitivityMeasure.Accuracy && (data is null || floatScore is null))
            throw new CalibException("--sensitivity accuracy needs a labelled set (--eval-set): without labels, sensitivity is measured by output SQNR.");
        var floatTensors = floatModel.Model.Graph.Nodes.SelectMany(n => n.Outputs).ToHashSet(StringComparer.Ordinal);
        var outputs = layers.Select(l => OutputPair(l.Node, floatTensors)).ToList();
        var modelOutput = new TensorPair(floatModel.Model.Graph.Outputs[0].Name, quantized.Model.Graph.Outputs[0].Name);
        var stages = layers.Count + 1;

        var byTensor = layers.Select(l => l.Input).Distinct().ToDictionary(t => t, _ => new StreamingHistogram(), StringComparer.Ordinal);
        var compared = outputs.OfType<TensorPair>().ToList();
        var cumulative = ModelComparison.Compare(floatModel.Model, quantized.Model, compared, batches, settings.Execution, byTensor);
        progress?.Invoke(new EvaluationProgress(ErrorStage, 1, stages));
        foreach (var layer in layers) histograms[layer.Name] = byTensor[layer.Input];

        var reports = new List<LayerReport>();
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var isolated = OnlyQuantized(layer.Node);
            var pairs = outputs[i] is { } output ? new[] { output, modelOutput } : [modelOutput];
            var errors = ModelComparison.Compare(floatModel.Model, isolated, pairs, batches, settings.Execution);
            progress?.Invoke(new EvaluationProgress(ErrorStage, i + 2, stages));
            var score = settings.Sensitivity == SensitivityMeasure.Accuracy
                ? ClassifierScoring.Score(isolated, $"{quantized.Name} with only {layer.Name} quantized", data!, settings.Execution,
                    (done, total) => progress?.Invoke(new EvaluationProgress($"sensitivity {layer.Name}", done, total)))
                : null;
            var (clip, source) = ClipOf(layer, recordClips);
            reports.Add(new LayerReport(
                layer.Name, layer.Node.OpType, layer.Input, outputs[i]?.Reference ?? layer.Node.Outputs[0],
                outputs[i] is null ? null : errors[0].Result,
                outputs[i] is null ? null : cumulative[compared.IndexOf(outputs[i]!.Value)].Result,
                errors[^1].Result.SqnrDb, score?.Top1, score is null ? null : floatScore!.Top1Difference(score), clip, source));
        }
        return Ranked(reports);
    }

    /// <summary>
    /// The layer's output in both models: the node's output in the quantized model, under the same name
    /// in the float model — or, when a deploy model quantized that output in place, under the name its
    /// DequantizeLinear carries. Null when the float model has neither.
    /// </summary>
    private TensorPair? OutputPair(Node layer, IReadOnlySet<string> produced)
    {
        var graph = quantized.Model.Graph;
        var output = layer.Outputs[0];
        if (produced.Contains(output)) return new TensorPair(output, output);
        var dequantized = graph.ConsumersOf(output).Where(QdqPattern.IsQuantize)
            .SelectMany(q => graph.ConsumersOf(q.Outputs[0])).FirstOrDefault(QdqPattern.IsDequantize)?.Outputs[0];
        return dequantized is not null && produced.Contains(dequantized) ? new TensorPair(dequantized, output) : null;
    }

    private OnnxModel OnlyQuantized(Node layer)
    {
        var index = quantized.Model.Graph.Nodes.IndexOf(layer);
        var copy = quantized.Model.Clone();
        var kept = copy.Graph.Nodes[index];
        QdqStripping.Apply(copy.Graph, n => !ReferenceEquals(n, kept), graphOutputs: true);
        return copy;
    }

    private static (ClipRange? Clip, ClipSource? Source) ClipOf(QuantizedLayer layer, IReadOnlyDictionary<string, ClipRange>? recordClips)
    {
        if (recordClips?.GetValueOrDefault(layer.Name) is { } recorded) return (recorded, ClipSource.Record);
        if (layer.InputQuantization is not { } q) return (null, null);
        var (qmin, qmax) = q.Signed ? (-128, 127) : (0, 255);
        return (new ClipRange((qmin - q.ZeroPoint) * (double)q.Scale, (qmax - q.ZeroPoint) * (double)q.Scale), ClipSource.Graph);
    }

    private IReadOnlyList<LayerReport> Ranked(List<LayerReport> reports)
    {
        var byError = reports.Index()
            .OrderBy(r => r.Item.Error?.SqnrDb ?? double.PositiveInfinity).ThenBy(r => r.Index)
            .Select(r => r.Index).ToList();
        // By accuracy, a larger drop ranks first and the output SQNR breaks ties (a small set gives many equal accuracies).
        var bySensitivity = reports.Index()
            .OrderBy(r => settings.Sensitivity == SensitivityMeasure.Accuracy ? -r.Item.Top1Drop!.Value : 0)
            .ThenBy(r => r.Item.OutputSqnrDb).ThenBy(r => r.Index)
            .Select(r => r.Index).ToList();
        return reports.Select((r, i) => r with { ErrorRank = byError.IndexOf(i) + 1, SensitivityRank = bySensitivity.IndexOf(i) + 1 }).ToList();
    }
}

/// <summary>A model and its name in reports and messages.</summary>
/// <param name="Name">The file as given, or a role such as "fmnist_resnet_fake_quant.onnx".</param>
/// <param name="Model">The model.</param>
public sealed record NamedModel(string Name, OnnxModel Model);
