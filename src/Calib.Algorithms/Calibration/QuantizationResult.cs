using Calib.Algorithms.Quantization;

namespace Calib.Algorithms.Calibration;

/// <summary>The quantization of one activation tensor: what was observed, the clip chosen and the resulting parameters.</summary>
/// <param name="Tensor">The tensor name.</param>
/// <param name="Algorithm">The range algorithm used.</param>
/// <param name="Options">Its parameters.</param>
/// <param name="ObservedMin">Smallest value seen during calibration.</param>
/// <param name="ObservedMax">Largest value seen during calibration.</param>
/// <param name="Clip">The clip range chosen (contains zero).</param>
/// <param name="Params">Scale and zero point, as written into the graph.</param>
public sealed record ActivationQuantization(
    string Tensor, ActivationAlgorithm Algorithm, ActivationAlgorithmOptions Options,
    double ObservedMin, double ObservedMax, ClipRange Clip, QuantParams Params);

/// <summary>The quantization of one layer.</summary>
/// <param name="Layer">The layer.</param>
/// <param name="Input">Its input activation's quantization (AMCT's scale_d/offset_d).</param>
/// <param name="Weights">Its int8 weights (AMCT's scale_w), for layers with weights.</param>
/// <param name="SecondInput">
/// The quantization of a MatMul's second activation (see <see cref="CalibrationLayer.SecondInput"/>); null for other layers.
/// </param>
public sealed record LayerQuantization(CalibrationLayer Layer, ActivationQuantization Input, QuantizedWeights? Weights,
    ActivationQuantization? SecondInput = null)
{
    /// <summary>The quantizations of the activations the layer reads: its input, then its second input when it has one.</summary>
    public IReadOnlyList<ActivationQuantization> Activations => SecondInput is null ? [Input] : [Input, SecondInput];

    /// <summary>The bias both models write instead of the float model's, after bias correction (<see cref="BiasCorrection"/>); null keeps the model's.</summary>
    public float[]? CorrectedBias { get; init; }
}

/// <summary>Everything a calibration run decided: per layer, and per deploy tensor.</summary>
/// <param name="Layers">The quantized layers, in graph order.</param>
/// <param name="DeployTensors">The deploy model's calibrated tensors by name.</param>
public sealed record QuantizationResult(
    IReadOnlyList<LayerQuantization> Layers, IReadOnlyDictionary<string, ActivationQuantization> DeployTensors);
