using Calib.Algorithms.Quantization;
using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.Analysis;
using Calib.Graph.Onnx;

namespace Calib.Algorithms.Evaluation;

/// <summary>
/// Measures a quantized classifier against its float model on a labelled set: top-1 and top-5 of
/// both (and of further models), how often they agree, and per quantized layer the error it adds and
/// its sensitivity (see <see cref="LayerAnalysis"/>). A quantized layer is any node of the quantized
/// model that <see cref="QuantizedLayerFinder"/> finds, so calib's fake-quant model and QDQ exports of
/// other tools are evaluated alike.
/// </summary>
public static class Evaluator
{
    /// <summary>Evaluates the model files of <c>calib eval</c>; the clip ranges come from the record beside the quantized model when there is one.</summary>
    /// <param name="floatModelPath">The float model (.onnx).</param>
    /// <param name="quantizedModelPath">The quantized (QDQ) model.</param>
    /// <param name="evalSet">The labelled set folder.</param>
    /// <param name="settings">Preprocessing, batching, subset sizes, sensitivity measure.</param>
    /// <param name="progress">Progress of each stage.</param>
    public static EvaluationReport EvaluateFiles(string floatModelPath, string quantizedModelPath, string evalSet, EvaluationSettings settings,
        Action<EvaluationProgress>? progress = null) =>
        EvaluateFiles(new NamedModel(floatModelPath, OnnxModelFile.Load(floatModelPath)), quantizedModelPath, evalSet, settings, progress);

    /// <summary>Evaluates a loaded float model (e.g. imported from Caffe) against the quantized model file.</summary>
    /// <param name="floatModel">The float model.</param>
    /// <param name="quantizedModelPath">The quantized (QDQ) model.</param>
    /// <param name="evalSet">The labelled set folder.</param>
    /// <param name="settings">Preprocessing, batching, subset sizes, sensitivity measure.</param>
    /// <param name="progress">Progress of each stage.</param>
    public static EvaluationReport EvaluateFiles(NamedModel floatModel, string quantizedModelPath, string evalSet, EvaluationSettings settings,
        Action<EvaluationProgress>? progress = null)
    {
        var quantized = new NamedModel(quantizedModelPath, OnnxModelFile.Load(quantizedModelPath));
        var data = EvaluationData.Open(floatModel.Model, floatModel.Name, evalSet, settings);
        return Evaluate(floatModel, quantized, [], data, settings, RecordClipRanges.TryLoad(quantizedModelPath), progress);
    }

    /// <summary>Evaluates <paramref name="quantized"/> against <paramref name="floatModel"/> on <paramref name="data"/>.</summary>
    /// <param name="floatModel">The float model (as trained: it need not be prepared).</param>
    /// <param name="quantized">The quantized model whose layers are analysed.</param>
    /// <param name="others">Further models scored for accuracy and agreement only.</param>
    /// <param name="data">The evaluation set, opened for the float model.</param>
    /// <param name="settings">Subset sizes, sensitivity measure, device.</param>
    /// <param name="recordClips">Layer name → clip range chosen by calibration; layers not in it take the range from the graph.</param>
    /// <param name="progress">Progress of each stage.</param>
    /// <param name="placedAllFloat">
    /// calib's own placement kept every layer float (<c>--optimize-for speed</c> where int8 does not pay): the quantized
    /// model has no layer to analyse, and that is no mistake of the user's.
    /// </param>
    /// <exception cref="CalibException">The quantized model has no quantized layer, or the models and the set do not fit together.</exception>
    public static EvaluationReport Evaluate(NamedModel floatModel, NamedModel quantized, IReadOnlyList<NamedModel> others, EvaluationData data,
        EvaluationSettings settings, IReadOnlyDictionary<string, ClipRange>? recordClips, Action<EvaluationProgress>? progress = null,
        bool placedAllFloat = false)
    {
        var layers = placedAllFloat ? [] : QuantizedLayers(quantized);
        foreach (var model in others.Prepend(quantized)) CheckSameInput(floatModel, model, data);

        ModelScore Score(NamedModel model) => ClassifierScoring.Score(model.Model, model.Name, data, settings.Execution,
            (done, total) => progress?.Invoke(new EvaluationProgress(model.Name, done, total)));
        var floatScore = Score(floatModel);
        var quantizedScore = Score(quantized);
        var otherScores = others.Select(Score).ToList();
        var histograms = new Dictionary<string, StreamingHistogram>(StringComparer.Ordinal);
        var batches = data.Read(data.Set.Spread(settings.LayerSamples)).Select(b => InputBatch.Of(data.Input.Name, b.Data, b.Shape, b.Count)).ToList();
        var reports = new LayerAnalysis(floatModel, quantized, batches, data, settings, progress).Run(layers, recordClips, floatScore, histograms);
        return new EvaluationReport(floatScore, quantizedScore, otherScores, reports, histograms,
            Math.Min(settings.LayerSamples, data.Set.Count), settings.Sensitivity, data.Set.Location, data.Set.Source);
    }

    /// <summary>The quantized layers of <paramref name="quantized"/>.</summary>
    /// <exception cref="CalibException">It has none.</exception>
    internal static IReadOnlyList<QuantizedLayer> QuantizedLayers(NamedModel quantized)
    {
        var layers = QuantizedLayerFinder.Find(quantized.Model.Graph);
        if (layers.Count == 0)
            throw new CalibException(
                $"Model '{quantized.Name}' has no quantized layer (no Conv, Gemm, MatMul, ConvTranspose or AveragePool reading a " +
                "DequantizeLinear(QuantizeLinear(x))): pass the fake-quant model that 'calib run' writes (<model>_fake_quant.onnx) as --quantized.");
        return layers;
    }

    private static void CheckSameInput(NamedModel floatModel, NamedModel quantized, EvaluationData data)
    {
        var input = Data.ModelInput.Of(quantized.Model, quantized.Name);
        if (input.Layout != data.Input.Layout)
            throw new CalibException(
                $"Model '{quantized.Name}' takes {input.Layout} (CxHxW) inputs but float model '{floatModel.Name}' takes " +
                $"{data.Input.Layout}: give the quantized model made from this float model.");
    }
}
