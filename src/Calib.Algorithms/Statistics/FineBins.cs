namespace Calib.Algorithms.Statistics;

/// <summary>
/// The non-empty bins of a <see cref="StreamingHistogram"/> as segments [Lower, Upper] with a count,
/// each bin cut to the part inside the data's [Min, Max] so that the end bins do not reach past the
/// data. Algorithms evaluate errors and rebin from these.
/// </summary>
internal sealed class FineBins
{
    private FineBins(double[] lower, double[] upper, double[] counts)
    {
        Lower = lower;
        Upper = upper;
        Counts = counts;
    }

    /// <summary>The lower end of each segment.</summary>
    public double[] Lower { get; }

    /// <summary>The upper end of each segment (equal to the lower end for a point mass).</summary>
    public double[] Upper { get; }

    /// <summary>The number of values in each segment.</summary>
    public double[] Counts { get; }

    /// <summary>The number of segments.</summary>
    public int Length => Counts.Length;

    /// <summary>The non-empty bins of <paramref name="histogram"/> in ascending order.</summary>
    public static FineBins Of(StreamingHistogram histogram)
    {
        histogram.ThrowIfEmpty();
        if (histogram.BinWidth == 0)
        {
            return new FineBins([histogram.Min], [histogram.Min], [histogram.Count]);
        }

        var window = histogram.Counts;
        int nonEmpty = 0;
        foreach (long count in window)
        {
            nonEmpty += count > 0 ? 1 : 0;
        }

        var lower = new double[nonEmpty];
        var upper = new double[nonEmpty];
        var counts = new double[nonEmpty];
        int k = 0;
        for (int j = 0; j < window.Length; j++)
        {
            if (window[j] > 0)
            {
                (lower[k], upper[k]) = histogram.BinExtent(j);
                counts[k++] = window[j];
            }
        }

        return new FineBins(lower, upper, counts);
    }

    /// <summary>
    /// The same segments mirrored onto magnitudes |x| (bins never straddle zero, because the grid
    /// is anchored there).
    /// </summary>
    public FineBins Magnitudes()
    {
        var lower = new double[Length];
        var upper = new double[Length];
        for (int k = 0; k < Length; k++)
        {
            (lower[k], upper[k]) = Lower[k] < 0 ? (-Upper[k], -Lower[k]) : (Lower[k], Upper[k]);
        }

        return new FineBins(lower, upper, (double[])Counts.Clone());
    }

    /// <summary>The centre of each segment, where its values are taken to lie for error estimates.</summary>
    public double[] Centers()
    {
        var centers = new double[Length];
        for (int k = 0; k < Length; k++)
        {
            centers[k] = (Lower[k] + Upper[k]) / 2;
        }

        return centers;
    }

    /// <summary>
    /// The segments spread onto <paramref name="bins"/> equal bins over [lo, hi] in proportion to
    /// overlap; what lies below lo or above hi goes into the first or last bin.
    /// </summary>
    public Histogram Rebin(double lo, double hi, int bins)
    {
        if (!(hi > lo) || !double.IsFinite(hi - lo))
        {
            throw new ArgumentException($"Cannot rebin onto [{lo}, {hi}]: the upper end must be above the lower end.", nameof(hi));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var target = new Histogram(lo, hi, new double[bins]);
        for (int k = 0; k < Length; k++)
        {
            Spread(Lower[k], Upper[k], Counts[k], target);
        }

        return target;
    }

    private static void Spread(double lower, double upper, double count, Histogram target)
    {
        int first = BinOf(lower, target);
        int last = BinOf(upper, target);
        double length = upper - lower;
        double assigned = 0;
        double from = lower;
        for (int bin = first; bin < last; bin++)
        {
            // Monotone cut points inside [lower, upper] keep every share non-negative even where
            // rounding puts an edge a hair outside the segment.
            double to = Math.Min(Math.Max(target.Edge(bin + 1), from), upper);
            double share = count * ((to - from) / length);
            target.Counts[bin] += share;
            assigned += share;
            from = to;
        }

        target.Counts[last] += Math.Max(0, count - assigned);
    }

    private static int BinOf(double x, Histogram target) =>
        (int)Math.Clamp(Math.Floor((x - target.Lo) / target.BinWidth), 0, target.Counts.Length - 1);
}
