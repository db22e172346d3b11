using Calib.Algorithms.Quantization;
using Calib.Algorithms.Statistics;

namespace Calib.Algorithms.Evaluation;

/// <summary>Where a layer's clip range was read.</summary>
public enum ClipSource
{
    /// <summary>The calibration record (<c>&lt;model&gt;_record.json</c>, or the calibration itself): the range the algorithm chose.</summary>
    Record,

    /// <summary>The quantized graph's QuantizeLinear: [(qmin − zp)·s, (qmax − zp)·s].</summary>
    Graph,
}

/// <summary>What the evaluation found for one quantized layer.</summary>
/// <param name="Name">The layer (node) name.</param>
/// <param name="OpType">The ONNX operator.</param>
/// <param name="Input">The float tensor its input quantizer clips (in the quantized model).</param>
/// <param name="Output">The output tensor compared (its name in the float model).</param>
/// <param name="Error">Error of the output with only this layer quantized (the error it adds); null when the float model has no tensor of that name.</param>
/// <param name="CumulativeError">Error of the output with every layer quantized (the quantized model as given); null as for <paramref name="Error"/>.</param>
/// <param name="OutputSqnrDb">SQNR of the model output with only this layer quantized, in dB.</param>
/// <param name="Top1">Top-1 (percent) with only this layer quantized; null unless sensitivity is measured by accuracy.</param>
/// <param name="Top1Drop">Float top-1 minus <paramref name="Top1"/>, in points; null with it.</param>
/// <param name="Clip">The input clip range, when known.</param>
/// <param name="ClipSource">Where <paramref name="Clip"/> comes from.</param>
public sealed record LayerReport(
    string Name, string OpType, string Input, string Output, TensorError? Error, TensorError? CumulativeError,
    double OutputSqnrDb, double? Top1, double? Top1Drop, ClipRange? Clip, ClipSource? ClipSource)
{
    /// <summary>1 for the layer that adds the most error (lowest <see cref="TensorError.SqnrDb"/> of <see cref="Error"/>).</summary>
    public int ErrorRank { get; init; }

    /// <summary>1 for the layer whose quantization hurts the model most (see <see cref="SensitivityMeasure"/>).</summary>
    public int SensitivityRank { get; init; }
}

/// <summary>The outcome of an evaluation: accuracies, agreement, and the per-layer analysis.</summary>
/// <param name="Float">The float model's score.</param>
/// <param name="Quantized">The quantized (fake-quant) model's score.</param>
/// <param name="Others">Further quantized models scored for accuracy only (the deploy model of <c>calib run</c>).</param>
/// <param name="Layers">The quantized layers, in graph order.</param>
/// <param name="InputHistograms">Per layer name, the values that reached its input quantizer on the layer samples.</param>
/// <param name="LayerSamples">Number of images the per-layer figures were measured on.</param>
/// <param name="Sensitivity">How sensitivity was measured.</param>
/// <param name="EvalSet">The evaluation set folder.</param>
/// <param name="LabelSource">Where its labels came from.</param>
public sealed record EvaluationReport(
    ModelScore Float, ModelScore Quantized, IReadOnlyList<ModelScore> Others, IReadOnlyList<LayerReport> Layers,
    IReadOnlyDictionary<string, StreamingHistogram> InputHistograms, int LayerSamples, SensitivityMeasure Sensitivity,
    string EvalSet, Data.LabelSource LabelSource)
{
    /// <summary>The layers, most error first.</summary>
    public IEnumerable<LayerReport> ByError => Layers.OrderBy(l => l.ErrorRank);

    /// <summary>The layers, most sensitive first.</summary>
    public IEnumerable<LayerReport> BySensitivity => Layers.OrderBy(l => l.SensitivityRank);
}
