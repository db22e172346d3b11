using Calib.Algorithms.Data;
using Calib.Algorithms.Quantization;
using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.Onnx;

namespace Calib.Algorithms.Evaluation;

/// <summary>What a label-free evaluation found: the model outputs and every quantized layer against float.</summary>
/// <param name="Output">The quantized model's outputs against the float model's.</param>
/// <param name="Layers">The quantized layers, in graph order (sensitivity by output SQNR; no top-1).</param>
/// <param name="InputHistograms">Per layer name, the values that reached its input quantizer.</param>
public sealed record DiagnosisReport(FidelityReport Output, IReadOnlyList<LayerReport> Layers, IReadOnlyDictionary<string, StreamingHistogram> InputHistograms)
{
    /// <summary>The layers, most error first.</summary>
    public IEnumerable<LayerReport> ByError => Layers.OrderBy(l => l.ErrorRank);
}

/// <summary>
/// <c>calib eval --images</c>: a quantized model against its float model on a plain folder of images
/// or tensors, no labels — the output fidelity, and per quantized layer the error of its own output
/// (with every layer quantized, and with only it quantized) and the model output's SQNR with only it
/// quantized (its sensitivity). For detection, segmentation, super-resolution and any model without classes.
/// </summary>
public static class LabelFreeEvaluator
{
    /// <summary>Evaluates the quantized model file against <paramref name="floatModel"/>.</summary>
    /// <param name="floatModel">The float model.</param>
    /// <param name="quantizedModelPath">The quantized (QDQ) model; the clip ranges come from the record beside it when there is one.</param>
    /// <param name="images">The samples, in any form calibration data takes (a folder of images, .npy or .npz; per-input folders "a;b").</param>
    /// <param name="settings">Preprocessing, batching, the number of samples (<see cref="EvaluationSettings.LayerSamples"/>), device.</param>
    /// <param name="progress">Progress of each stage.</param>
    /// <exception cref="CalibException">Bad input: no quantized layer, models that do not match, an unreadable folder, sensitivity by accuracy.</exception>
    public static DiagnosisReport EvaluateFiles(NamedModel floatModel, string quantizedModelPath, string images, EvaluationSettings settings,
        Action<EvaluationProgress>? progress = null)
    {
        var quantized = new NamedModel(quantizedModelPath, OnnxModelFile.Load(quantizedModelPath));
        return Evaluate(floatModel, quantized, images, settings, RecordClipRanges.TryLoad(quantizedModelPath), progress);
    }

    /// <summary>Evaluates <paramref name="quantized"/> against <paramref name="floatModel"/> on <paramref name="images"/>.</summary>
    /// <param name="floatModel">The float model.</param>
    /// <param name="quantized">The quantized (QDQ) model.</param>
    /// <param name="images">The samples, in any form calibration data takes (a folder of images, .npy or .npz; per-input folders "a;b").</param>
    /// <param name="settings">Preprocessing, batching, the number of samples (<see cref="EvaluationSettings.LayerSamples"/>), device.</param>
    /// <param name="progress">Progress of each stage.</param>
    /// <exception cref="CalibException">Bad input: no quantized layer, models that do not match, an unreadable folder, sensitivity by accuracy.</exception>
    /// <param name="recordClips">Layer name → clip range chosen by calibration; layers not in it take the range from the graph.</param>
    public static DiagnosisReport Evaluate(NamedModel floatModel, NamedModel quantized, string images, EvaluationSettings settings,
        IReadOnlyDictionary<string, ClipRange>? recordClips, Action<EvaluationProgress>? progress = null)
    {
        if (settings.Sensitivity == SensitivityMeasure.Accuracy)
            throw new CalibException("--sensitivity accuracy needs labels (--eval-set): without them, sensitivity is measured by output SQNR.");
        var layers = Evaluator.QuantizedLayers(quantized);
        var (expected, actual) = (TensorInput.Of(floatModel.Model, floatModel.Name), TensorInput.Of(quantized.Model, quantized.Name));
        if (!expected.Select(Text).SequenceEqual(actual.Select(Text)))
            throw new CalibException(
                $"Model '{quantized.Name}' takes {string.Join(", ", actual.Select(Text))} but float model '{floatModel.Name}' takes " +
                $"{string.Join(", ", expected.Select(Text))}: give the quantized model made from this float model.");
        CalibrationData.CheckExists(images, "--images");
        var source = CalibrationData.Open(images, floatModel.Model, floatModel.Name, new CalibrationDataOptions { Preprocessing = settings.Preprocessing });
        var data = FidelityData.Folder(source, settings.BatchSize, floatModel.Name, settings.LayerSamples);
        var output = OutputFidelityMeasure.Measure(floatModel.Model, quantized.Model, null, data, settings.Execution);
        var histograms = new Dictionary<string, StreamingHistogram>(StringComparer.Ordinal);
        var reports = new LayerAnalysis(floatModel, quantized, data.Batches, null, settings, progress).Run(layers, recordClips, null, histograms);
        return new DiagnosisReport(output, reports, histograms);
    }

    private static string Text(TensorInput input) => input.Describe();
}
