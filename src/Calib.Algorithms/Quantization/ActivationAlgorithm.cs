namespace Calib.Algorithms.Quantization;

/// <summary>How the clip range of an activation tensor is chosen from its calibration statistics.</summary>
public enum ActivationAlgorithm
{
    /// <summary>
    /// AMCT's default: from the <c>max_percentile</c>/<c>min_percentile</c> values, scan clip bounds
    /// over <c>search_range</c> × those values in <c>search_step</c> steps and keep the pair with the
    /// least fake-quantization mean squared error.
    /// </summary>
    Ifmr,

    /// <summary>
    /// AMCT's histogram variant: rebin to <c>num_of_bins</c> over [min, max] and move the start or
    /// end bin inward while the L2 quantization error computed from the histogram keeps falling.
    /// </summary>
    Hfmg,

    /// <summary>The exact minimum and maximum.</summary>
    MinMax,

    /// <summary>The <c>1 − percentile</c> and <c>percentile</c> quantiles.</summary>
    Percentile,

    /// <summary>TensorRT's KL-divergence calibration on a 2048-bin histogram of |x|.</summary>
    Entropy,

    /// <summary>The scaled range α·[min, max], α = 0.01 … 1.00, with the least fake-quantization mean squared error.</summary>
    Mse,

    /// <summary>
    /// No search: the scale and zero point were learned in quantization-aware training and are
    /// imported from the fine-tuned model as they are (<c>calib retrain import</c>).
    /// </summary>
    Learned,
}
