using Calib.Algorithms.Statistics;

namespace Calib.Algorithms.Quantization;

/// <summary>The scaled-range MSE search (see <see cref="ActivationRangeSearch.Choose"/>).</summary>
internal static class MseSearch
{
    private const int Candidates = 100;

    public static ClipRange Choose(StreamingHistogram histogram, bool asymmetric)
    {
        var error = new QuantizationError(FineBins.Of(histogram));
        var best = new ClipRange(histogram.Min, histogram.Max).IncludingZero();
        double bestError = double.PositiveInfinity;
        for (int k = 1; k <= Candidates; k++)
        {
            double alpha = (double)k / Candidates;
            var candidate = new ClipRange(alpha * histogram.Min, alpha * histogram.Max).IncludingZero();
            double candidateError = error.MeanSquared(ActivationQuantizer.FromRange(candidate, asymmetric));
            if (candidateError < bestError)
            {
                (best, bestError) = (candidate, candidateError);
            }
        }

        return best;
    }
}
