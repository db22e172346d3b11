namespace Calib.Algorithms.Statistics;

/// <summary>
/// A histogram of <c>Counts.Length</c> equal bins over [<paramref name="Lo"/>, <paramref name="Hi"/>];
/// counts may be fractional, because rebinning splits fine bins in proportion to their overlap.
/// </summary>
/// <param name="Lo">The lower edge of the first bin.</param>
/// <param name="Hi">The upper edge of the last bin.</param>
/// <param name="Counts">The (possibly fractional) number of values in each bin.</param>
public sealed record Histogram(double Lo, double Hi, double[] Counts)
{
    /// <summary>The width of every bin.</summary>
    public double BinWidth => (Hi - Lo) / Counts.Length;

    /// <summary>The sum of all counts, added in bin order.</summary>
    public double Total
    {
        get
        {
            double total = 0;
            foreach (double count in Counts)
            {
                total += count;
            }

            return total;
        }
    }

    /// <summary>The lower edge of bin <paramref name="bin"/> (<see cref="Hi"/> for <c>Counts.Length</c>).</summary>
    public double Edge(int bin) => bin == Counts.Length ? Hi : Lo + bin * BinWidth;

    /// <summary>The centre of bin <paramref name="bin"/>.</summary>
    public double Center(int bin) => Lo + (bin + 0.5) * BinWidth;
}
