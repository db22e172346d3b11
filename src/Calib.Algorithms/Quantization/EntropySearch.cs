using Calib.Algorithms.Statistics;

namespace Calib.Algorithms.Quantization;

/// <summary>TensorRT's KL-divergence calibration (see <see cref="ActivationRangeSearch.Choose"/>).</summary>
internal static class EntropySearch
{
    private const int Bins = 2048;

    public static ClipRange Choose(StreamingHistogram histogram, bool asymmetric)
    {
        double largestMagnitude = Math.Max(-histogram.Min, histogram.Max);
        var magnitudes = FineBins.Of(histogram).Magnitudes().Rebin(0, largestMagnitude, Bins);
        bool oneSided = histogram.Min >= 0 || histogram.Max <= 0;
        // uint8 spends all 256 levels on one-sided data; otherwise each sign gets 128.
        int levels = oneSided && asymmetric ? 256 : 128;

        var sums = new PrefixSums(magnitudes.Counts);
        int bestKept = Bins;
        double bestDivergence = double.PositiveInfinity;
        for (int kept = levels; kept <= Bins; kept++)
        {
            double divergence = Divergence(sums, kept, levels);
            if (divergence < bestDivergence)
            {
                (bestKept, bestDivergence) = (kept, divergence);
            }
        }

        double threshold = magnitudes.Edge(bestKept);
        return new ClipRange(Math.Max(histogram.Min, -threshold), Math.Min(histogram.Max, threshold));
    }

    /// <summary>
    /// KL(P‖Q) for the threshold at the upper edge of bin kept − 1. P: the first kept bins with the
    /// outliers (all later bins) added to the last. Q: the first kept bins, without outliers, merged
    /// into <paramref name="levels"/> equal groups (bin j in group ⌊j·levels/kept⌋), each group's
    /// count spread evenly over its bins where P is non-zero. +∞ when Q misses mass that P has.
    /// </summary>
    /// <remarks>
    /// P sums to the total for every candidate and Q is constant within a group, so
    /// KL = (Σ p ln p − Σ_groups p_g ln(q_g / n_g)) / total − ln total + ln Σq, with p_g and q_g the
    /// group sums of P and of the unfolded counts and n_g the group's non-zero bins of P: prefix
    /// sums make each candidate cost one step per level instead of one per bin.
    /// </remarks>
    private static double Divergence(PrefixSums sums, int kept, int levels)
    {
        int last = kept - 1;
        double outliers = sums.Count(kept, Bins);
        double lastReference = sums.Counts[last] + outliers;
        double referenceLogSum = sums.CountLogCount(0, last) + (lastReference > 0 ? lastReference * Math.Log(lastReference) : 0);
        // An empty last bin becomes non-zero in P when the outliers land in it.
        int extraNonZero = sums.Counts[last] == 0 && outliers > 0 ? 1 : 0;

        double candidateTotal = 0, crossSum = 0;
        for (int group = 0; group < levels; group++)
        {
            int from = GroupStart(group, kept, levels), to = GroupStart(group + 1, kept, levels);
            bool holdsLast = group == levels - 1;
            int nonZero = sums.NonZero(from, to) + (holdsLast ? extraNonZero : 0);
            if (nonZero == 0)
            {
                continue;
            }

            double candidate = sums.Count(from, to);
            double reference = candidate + (holdsLast ? outliers : 0);
            if (candidate == 0)
            {
                return double.PositiveInfinity;
            }

            candidateTotal += candidate;
            crossSum += reference * Math.Log(candidate / nonZero);
        }

        double total = sums.Count(0, Bins);
        return (referenceLogSum - crossSum) / total - Math.Log(total) + Math.Log(candidateTotal);
    }

    /// <summary>The first bin j with ⌊j·levels/kept⌋ = group, that is ⌈group·kept/levels⌉.</summary>
    private static int GroupStart(int group, int kept, int levels) => (group * kept + levels - 1) / levels;

    /// <summary>Prefix sums over the magnitude bins, so that any run of bins is summed in O(1).</summary>
    private sealed class PrefixSums
    {
        private readonly double[] _countsBefore;
        private readonly double[] _countLogCountsBefore;
        private readonly int[] _nonZeroBefore;

        public PrefixSums(double[] counts)
        {
            Counts = counts;
            _countsBefore = new double[counts.Length + 1];
            _countLogCountsBefore = new double[counts.Length + 1];
            _nonZeroBefore = new int[counts.Length + 1];
            for (int j = 0; j < counts.Length; j++)
            {
                double count = counts[j];
                _countsBefore[j + 1] = _countsBefore[j] + count;
                _countLogCountsBefore[j + 1] = _countLogCountsBefore[j] + (count > 0 ? count * Math.Log(count) : 0);
                _nonZeroBefore[j + 1] = _nonZeroBefore[j] + (count > 0 ? 1 : 0);
            }
        }

        public double[] Counts { get; }

        /// <summary>Σ counts[from..to).</summary>
        public double Count(int from, int to) => _countsBefore[to] - _countsBefore[from];

        /// <summary>Σ c·ln c over counts[from..to).</summary>
        public double CountLogCount(int from, int to) => _countLogCountsBefore[to] - _countLogCountsBefore[from];

        /// <summary>How many of counts[from..to) are non-zero.</summary>
        public int NonZero(int from, int to) => _nonZeroBefore[to] - _nonZeroBefore[from];
    }
}
