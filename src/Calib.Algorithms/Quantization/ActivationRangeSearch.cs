using Calib.Algorithms.Statistics;

namespace Calib.Algorithms.Quantization;

/// <summary>Chooses the clip range of an activation tensor from its calibration histogram.</summary>
public static class ActivationRangeSearch
{
    /// <summary>
    /// The clip range <paramref name="algorithm"/> chooses for the values in <paramref name="histogram"/>.
    /// The result always contains 0 (min lowered to 0 or max raised to 0), so
    /// that zero is exactly representable; when all values are equal every algorithm returns
    /// [min(0, v), max(0, v)].
    /// <list type="bullet">
    /// <item><description><b>minmax</b>: [Min, Max], exactly.</description></item>
    /// <item><description><b>percentile</b>: [Quantile(1 − p), Quantile(p)], p = <c>Percentile</c>.</description></item>
    /// <item><description><b>ifmr</b> (AMCT's default): the starting bounds are max_init = Quantile(<c>max_percentile</c>)
    /// and min_init = Quantile(1 − <c>min_percentile</c>); every pair (max_init·s, min_init·t) with s and t
    /// in start, start + step, … end of <c>search_range</c> (61 × 61 candidates by default) is tried and
    /// the pair with the least error kept (the first in order of increasing s, then t, on ties). Data
    /// with Min ≥ 0 (such as after ReLU) keeps min = 0 and searches max only; data with Max ≤ 0 the
    /// reverse. Error: the mean squared difference between the calibration values and their
    /// fake-quantized values (quantize then dequantize with the candidate's parameters, uint8 or int8
    /// per <c>Asymmetric</c>), computed from the histogram with each fine bin's count at the centre of
    /// its part inside [Min, Max].</description></item>
    /// <item><description><b>hfmg</b>: the histogram is rebinned to <c>num_of_bins</c> equal bins over [Min, Max];
    /// starting from all bins, the start or the end bin moves inward (tail shares cut in steps of
    /// 10⁻⁵, the end that drops more bins moving first) while the L2 error of quantizing onto 256 equal
    /// levels between them, integrated analytically with each bin's values spread uniformly,
    /// decreases; the result spans the kept bins' outer edges (PyTorch HistogramObserver's
    /// non-linear parameter search).</description></item>
    /// <item><description><b>entropy</b> (TensorRT): a 2048-bin histogram of |x| over [0, max |x|]; for every
    /// number of kept bins i from the level count to 2048, P is the first i bins with the rest added to
    /// bin i − 1, and Q the first i bins merged into the level count of equal groups and spread back
    /// evenly over the bins where P is non-zero; the i with the least KL(P‖Q) wins and the threshold
    /// T is the upper edge of bin i − 1. The level count is 256 for one-sided data quantized to uint8,
    /// 128 otherwise. Range: [max(Min, −T), min(Max, T)].</description></item>
    /// <item><description><b>mse</b>: the candidates α·[Min, Max] for α = 0.01, 0.02, … 1.00, with the least
    /// error as measured for ifmr (the smallest α on ties).</description></item>
    /// </list>
    /// Results depend only on the histogram and the options, bit for bit.
    /// </summary>
    /// <exception cref="ArgumentException">The histogram is empty.</exception>
    /// <remarks>The options must be within <c>Configuration.ActivationParamRules</c>, as every configuration reader ensures.</remarks>
    public static ClipRange Choose(StreamingHistogram histogram, ActivationAlgorithm algorithm, ActivationAlgorithmOptions options)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentNullException.ThrowIfNull(options);
        if (histogram.Count == 0)
        {
            throw new ArgumentException("The histogram holds no values: nothing to calibrate from.", nameof(histogram));
        }

        if (histogram.Min == histogram.Max)
        {
            return new ClipRange(histogram.Min, histogram.Max).IncludingZero();
        }

        var range = algorithm switch
        {
            ActivationAlgorithm.MinMax => new ClipRange(histogram.Min, histogram.Max),
            ActivationAlgorithm.Percentile => new ClipRange(histogram.Quantile(1 - options.Percentile), histogram.Quantile(options.Percentile)),
            ActivationAlgorithm.Ifmr => IfmrSearch.Choose(histogram, options),
            ActivationAlgorithm.Hfmg => HfmgSearch.Choose(histogram, options.NumOfBins),
            ActivationAlgorithm.Entropy => EntropySearch.Choose(histogram, options.Asymmetric),
            ActivationAlgorithm.Mse => MseSearch.Choose(histogram, options.Asymmetric),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown activation algorithm."),
        };
        return range.IncludingZero();
    }
}
