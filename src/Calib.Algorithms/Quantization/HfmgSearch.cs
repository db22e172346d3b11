using Calib.Algorithms.Statistics;

namespace Calib.Algorithms.Quantization;

/// <summary>
/// AMCT's HFMG clip search, following PyTorch HistogramObserver's <c>_non_linear_param_search</c>
/// (see <see cref="ActivationRangeSearch.Choose"/>).
/// </summary>
internal static class HfmgSearch
{
    private const int Levels = 256;
    private const double QuantileStep = 1e-5;
    private const int QuantileSteps = 100_000;

    public static ClipRange Choose(StreamingHistogram histogram, int numOfBins)
    {
        var bins = histogram.Rebin(histogram.Min, histogram.Max, numOfBins);
        double[] cumulative = CumulativeCounts(bins.Counts);
        double total = cumulative[^1];

        int start = 0, end = numOfBins - 1;
        double bestNorm = double.PositiveInfinity;
        // The tail fractions cut so far are alphaSteps·step and betaSteps·step, counted in whole
        // steps so that they do not drift. firstAbove/lastBelow only move inward as the fractions
        // grow, so each is found by continuing from where it was.
        int alphaSteps = 0, betaSteps = 0;
        int firstAbove = 0, lastBelow = numOfBins - 1;
        while (alphaSteps + betaSteps < QuantileSteps)
        {
            double lowerTarget = (alphaSteps + 1) * QuantileStep * total;
            double upperTarget = (1 - (betaSteps + 1) * QuantileStep) * total;
            firstAbove = Math.Max(firstAbove, start);
            while (firstAbove < numOfBins - 1 && cumulative[firstAbove] < lowerTarget)
            {
                firstAbove++;
            }

            lastBelow = Math.Min(lastBelow, end);
            while (lastBelow >= 0 && cumulative[lastBelow] > upperTarget)
            {
                lastBelow--;
            }

            int left = Math.Min(firstAbove, end);
            int right = Math.Max(lastBelow, start);
            int nextStart = start, nextEnd = end;
            // Move whichever end would cut more bins for the same share of values.
            if (left - start > end - right)
            {
                nextStart = left;
                alphaSteps++;
            }
            else
            {
                nextEnd = right;
                betaSteps++;
            }

            if (nextStart == start && nextEnd == end)
            {
                continue;
            }

            double norm = QuantizationNorm(bins, nextStart, nextEnd);
            if (norm > bestNorm)
            {
                break;
            }

            (bestNorm, start, end) = (norm, nextStart, nextEnd);
        }

        return new ClipRange(bins.Edge(start), bins.Edge(end + 1));
    }

    private static double[] CumulativeCounts(double[] counts)
    {
        var cumulative = new double[counts.Length];
        double sum = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            sum += counts[i];
            cumulative[i] = sum;
        }

        return cumulative;
    }

    /// <summary>
    /// The L2 error of quantizing the histogram onto 256 equal levels spanning bins [start, end]:
    /// each bin's values, spread uniformly, are mapped to the centre of their level (the first or
    /// last level outside the span), and the squared distances integrated analytically.
    /// </summary>
    private static double QuantizationNorm(Histogram bins, int start, int end)
    {
        double binWidth = bins.BinWidth;
        double levelWidth = binWidth * (end - start + 1) / Levels;
        double halfLevel = levelWidth / 2;
        double fullLevel = SquaredDistanceIntegral(-halfLevel, halfLevel);
        double norm = 0;
        for (int bin = 0; bin < bins.Counts.Length; bin++)
        {
            double count = bins.Counts[bin];
            if (count == 0)
            {
                continue;
            }

            // Positions relative to the lower edge of the first level.
            double binStart = (bin - start) * binWidth;
            double binEnd = binStart + binWidth;
            double startLevel = LevelOf(binStart, levelWidth);
            double endLevel = LevelOf(binEnd, levelWidth);
            // Integral over [binStart, binEnd] of the squared distance to the level centre, split at
            // the level edges: the part in the first level, the whole levels between, the last part.
            double integral = SquaredDistanceIntegral(binStart - (startLevel + 0.5) * levelWidth, halfLevel)
                + (endLevel - startLevel - 1) * fullLevel
                + SquaredDistanceIntegral(-halfLevel, binEnd - (endLevel + 0.5) * levelWidth);
            norm += count / binWidth * integral;
        }

        return norm;
    }

    private static double LevelOf(double position, double levelWidth) =>
        Math.Clamp(Math.Floor(position / levelWidth), 0, Levels - 1);

    /// <summary>∫ d² over [from, to].</summary>
    private static double SquaredDistanceIntegral(double from, double to) => (to * to * to - from * from * from) / 3;
}
