using Calib.Algorithms.Quantization;

namespace Calib.Algorithms.Configuration;

/// <summary>How one layer's activations are calibrated (AMCT's activation_quant_params).</summary>
/// <param name="Algorithm">The range algorithm (act_algo).</param>
/// <param name="Options">Its parameters; <c>Asymmetric</c> follows the global activation_offset.</param>
public sealed record ActivationQuantSettings(ActivationAlgorithm Algorithm, ActivationAlgorithmOptions Options);

/// <summary>How one layer's weights are quantized (AMCT's weight_quant_params: wts_algo arq_quantize).</summary>
/// <param name="ChannelWise">One scale per output channel (true, the default) or one per tensor.</param>
public sealed record WeightQuantSettings(bool ChannelWise = true);

/// <summary>One layer's entry of the quantization config.</summary>
/// <param name="QuantEnable">False keeps the layer in float (AMCT's quant_enable).</param>
/// <param name="Activation">Activation calibration settings.</param>
/// <param name="Weights">Weight quantization settings.</param>
public sealed record LayerQuantSettings(bool QuantEnable, ActivationQuantSettings Activation, WeightQuantSettings Weights)
{
    /// <summary>AMCT's defaults: quantized, IFMR with its default parameters, uint8 with offset, per-channel weights.</summary>
    public static LayerQuantSettings Default { get; } =
        new(true, new ActivationQuantSettings(ActivationAlgorithm.Ifmr, new ActivationAlgorithmOptions()), new WeightQuantSettings());
}
