using Calib.Algorithms.Statistics;

namespace Calib.Algorithms.Quantization;

/// <summary>AMCT's IFMR clip search (see <see cref="ActivationRangeSearch.Choose"/>).</summary>
internal static class IfmrSearch
{
    public static ClipRange Choose(StreamingHistogram histogram, ActivationAlgorithmOptions options)
    {
        double[] factors = options.SearchFactors();
        // One-sided data keeps its zero end: only the other bound is searched.
        double[] maxCandidates = histogram.Max <= 0 ? [0] : Scaled(histogram.Quantile(options.MaxPercentile), factors);
        double[] minCandidates = histogram.Min >= 0 ? [0] : Scaled(histogram.Quantile(1 - options.MinPercentile), factors);

        var error = new QuantizationError(FineBins.Of(histogram));
        var best = new ClipRange(minCandidates[0], maxCandidates[0]);
        double bestError = double.PositiveInfinity;
        foreach (double max in maxCandidates)
        {
            foreach (double min in minCandidates)
            {
                var candidate = new ClipRange(min, max).IncludingZero();
                double candidateError = error.MeanSquared(ActivationQuantizer.FromRange(candidate, options.Asymmetric));
                if (candidateError < bestError)
                {
                    (best, bestError) = (candidate, candidateError);
                }
            }
        }

        return best;
    }

    private static double[] Scaled(double value, double[] factors) => Array.ConvertAll(factors, factor => value * factor);
}
