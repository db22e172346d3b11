namespace Calib.Algorithms.Quantization;

/// <summary>
/// The settings of the activation algorithms, with AMCT's names (in the comments) and defaults.
/// Their ranges, and the bound on the work they ask for, are checked by
/// <c>Configuration.ActivationParamRules</c> wherever settings are read.
/// </summary>
public sealed record ActivationAlgorithmOptions
{
    /// <summary>ifmr <c>max_percentile</c>: the quantile that starts the search for the upper bound; in (0.5, 1].</summary>
    public double MaxPercentile { get; init; } = 0.999999;

    /// <summary>ifmr <c>min_percentile</c>: the search for the lower bound starts at quantile 1 − this; in (0.5, 1].</summary>
    public double MinPercentile { get; init; } = 0.999999;

    /// <summary>ifmr <c>search_range</c> start: the smallest factor applied to the starting bounds; above 0.</summary>
    public double SearchRangeStart { get; init; } = 0.7;

    /// <summary>ifmr <c>search_range</c> end: the largest factor applied to the starting bounds; at least the start.</summary>
    public double SearchRangeEnd { get; init; } = 1.3;

    /// <summary>ifmr <c>search_step</c>: the factors are start + k·step up to the end (inclusive); above 0.</summary>
    public double SearchStep { get; init; } = 0.01;

    /// <summary>hfmg <c>num_of_bins</c>: 1024, 2048, 4096 or 8192.</summary>
    public int NumOfBins { get; init; } = 4096;

    /// <summary>The <c>percentile</c> algorithm's quantile, applied to both tails; in (0.5, 1].</summary>
    public double Percentile { get; init; } = 0.99999;

    /// <summary>
    /// AMCT <c>activation_offset</c>: true quantizes to uint8 with an offset (zero point), false to
    /// symmetric int8 without one. The searches measure errors with the quantizer chosen here.
    /// </summary>
    public bool Asymmetric { get; init; } = true;

    /// <summary>
    /// The ifmr search factors start + k·step, k = 0, 1, … up to the end (inclusive, allowing for
    /// rounding in (end − start)/step); multiplying k rather than adding steps avoids drift.
    /// </summary>
    internal double[] SearchFactors()
    {
        int steps = (int)Math.Floor((SearchRangeEnd - SearchRangeStart) / SearchStep + 1e-9);
        var factors = new double[steps + 1];
        for (int k = 0; k <= steps; k++)
        {
            factors[k] = SearchRangeStart + k * SearchStep;
        }

        return factors;
    }
}
