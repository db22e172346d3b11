namespace Calib.Algorithms.Statistics;

/// <summary>
/// Statistics of one activation tensor over all calibration batches, in constant memory: exact
/// running <see cref="Min"/>, <see cref="Max"/> and <see cref="Count"/>, and a histogram on a grid
/// anchored at zero (bin <c>i</c> covers <c>[i·w, (i+1)·w)</c>) of which a contiguous window of at
/// most <c>maxBins</c> bins is kept.
/// </summary>
/// <remarks>
/// <para>The bin width <c>w</c> is always a power of two. The first data with distinct values sets
/// it to the smallest power of two ≥ (max − min) / (maxBins / 2), so that range spans between a
/// quarter and a half of the window: later batches may widen the range 2–4 times before the grid
/// has to coarsen. While every value seen is the same there is no grid yet (<see cref="BinWidth"/>
/// is 0 and <see cref="Counts"/> is empty).</para>
/// <para>When values fall outside what the window can hold, the width doubles as often as needed
/// and pairs of bins merge (bin <c>i</c> becomes bin <c>⌊i/2⌋</c>). Because widths are powers of two
/// the grids of all histograms nest, so doubling and <see cref="Merge"/> are exact: at all times
/// <c>Counts[j]</c> is the number of values <c>x</c> with <c>⌊x/w⌋ = FirstBinIndex + j</c>.
/// Results do not depend on the hardware. Not thread-safe.</para>
/// </remarks>
public sealed class StreamingHistogram
{
    private readonly int _maxBins;
    private readonly long[] _counts;
    private int _length;
    private long _firstBin;
    private double _width;

    /// <summary>Creates an empty histogram whose window holds at most <paramref name="maxBins"/> bins.</summary>
    /// <param name="maxBins">The window size, at least 2; memory use is <c>8·maxBins</c> bytes.</param>
    public StreamingHistogram(int maxBins = 16384)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBins, 2);
        _maxBins = maxBins;
        _counts = new long[maxBins];
    }

    /// <summary>The number of finite values added.</summary>
    public long Count { get; private set; }

    /// <summary>The smallest finite value added (exact; 0 while empty).</summary>
    public double Min { get; private set; }

    /// <summary>The largest finite value added (exact; 0 while empty).</summary>
    public double Max { get; private set; }

    /// <summary>The width of every bin, a power of two; 0 while all values seen are equal.</summary>
    public double BinWidth => _width;

    /// <summary>The grid index of <c>Counts[0]</c>: that bin covers <c>[FirstBinIndex·w, (FirstBinIndex+1)·w)</c>.</summary>
    public long FirstBinIndex => _firstBin;

    /// <summary>
    /// The window: from the bin holding <see cref="Min"/> to the bin holding <see cref="Max"/>;
    /// at most <c>maxBins</c> long, and empty while there is no grid.
    /// </summary>
    public ReadOnlySpan<long> Counts => _counts.AsSpan(0, _length);

    /// <summary>
    /// Adds one batch of values. NaN and ±Infinity are not added but counted, so that the caller
    /// can report them for the layer they came from.
    /// </summary>
    /// <returns>The number of NaN and infinite values in <paramref name="values"/>.</returns>
    public long Add(ReadOnlySpan<float> values)
    {
        var scan = BatchScan.Of(values);
        long finite = values.Length - scan.NonFinite;
        if (finite == 0)
        {
            return scan.NonFinite;
        }

        Cover(scan.Min, scan.Max, startWidth: 0);
        if (_width > 0)
        {
            CountIntoBins(values, skipNonFinite: scan.NonFinite > 0);
        }

        Record(scan.Min, scan.Max, finite);
        return scan.NonFinite;
    }

    /// <summary>
    /// Adds <paramref name="other"/>'s values to this histogram, as if they had been added here.
    /// The result's width is the coarser of the two (doubled further if the union needs it), and its
    /// counts are exactly those of all values binned at that width.
    /// </summary>
    public void Merge(StreamingHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
        {
            return;
        }

        if (other._width == 0)
        {
            AddRepeated(other.Min, other.Count);
            return;
        }

        // A copy, because merging a histogram into itself rewrites the bins being read.
        long[] otherCounts = other.Counts.ToArray();
        long otherFirst = other._firstBin;
        int otherExponent = Math.ILogB(other._width);
        (double otherMin, double otherMax, long otherCount) = (other.Min, other.Max, other.Count);

        Cover(otherMin, otherMax, startWidth: other._width);
        int shift = Math.ILogB(_width) - otherExponent;
        for (int j = 0; j < otherCounts.Length; j++)
        {
            _counts[FloorShift(otherFirst + j, shift) - _firstBin] += otherCounts[j];
        }

        Record(otherMin, otherMax, otherCount);
    }

    /// <summary>
    /// The value below which a fraction <paramref name="q"/> of the values lie: the bin holding
    /// rank <c>q·Count</c> is found from the cumulative counts and the value interpolated linearly
    /// within it, the bin taken as its part inside [<see cref="Min"/>, <see cref="Max"/>].
    /// <c>Quantile(0)</c> is <see cref="Min"/> and <c>Quantile(1)</c> is <see cref="Max"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="q"/> is outside [0, 1].</exception>
    /// <exception cref="InvalidOperationException">The histogram is empty.</exception>
    public double Quantile(double q)
    {
        if (!(q >= 0 && q <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "A quantile must be between 0 and 1.");
        }

        ThrowIfEmpty();
        if (_width == 0)
        {
            return Min;
        }

        double rank = q * Count;
        long below = 0;
        for (int j = 0; j < _length; j++)
        {
            long count = _counts[j];
            if (count > 0 && below + count >= rank)
            {
                var (lower, upper) = BinExtent(j);
                return Math.Clamp(lower + (rank - below) / count * (upper - lower), Min, Max);
            }

            below += count;
        }

        return Max;
    }

    /// <summary>
    /// The counts redistributed onto <paramref name="bins"/> equal bins over
    /// [<paramref name="lo"/>, <paramref name="hi"/>]: each fine bin (taken as its part inside
    /// [<see cref="Min"/>, <see cref="Max"/>]) is split in proportion to its overlap with the new
    /// bins, and the parts outside [lo, hi] go into the first or last bin.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="hi"/> is not above <paramref name="lo"/>, or <paramref name="bins"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException">The histogram is empty.</exception>
    public Histogram Rebin(double lo, double hi, int bins) => FineBins.Of(this).Rebin(lo, hi, bins);

    /// <summary>The part of window bin <paramref name="j"/> inside [Min, Max].</summary>
    internal (double Lower, double Upper) BinExtent(int j)
    {
        double lower = (_firstBin + j) * _width;
        return (Math.Max(lower, Min), Math.Min(lower + _width, Max));
    }

    internal void ThrowIfEmpty()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("The histogram is empty: no finite value was added.");
        }
    }

    private void AddRepeated(double value, long count)
    {
        Cover(value, value, startWidth: 0);
        if (_width > 0)
        {
            _counts[BinIndex(value) - _firstBin] += count;
        }

        Record(value, value, count);
    }

    private void Record(double min, double max, long count)
    {
        Min = Count == 0 ? min : Math.Min(Min, min);
        Max = Count == 0 ? max : Math.Max(Max, max);
        Count += count;
    }

    private void CountIntoBins(ReadOnlySpan<float> values, bool skipNonFinite)
    {
        // w is a power of two, so x·(1/w) is exact and equals x/w: the same bins as BinIndex.
        double inverseWidth = 1.0 / _width;
        long first = _firstBin;
        long[] counts = _counts;
        if (skipNonFinite)
        {
            foreach (float x in values)
            {
                if (float.IsFinite(x))
                {
                    counts[(long)Math.Floor(x * inverseWidth) - first]++;
                }
            }
        }
        else
        {
            foreach (float x in values)
            {
                counts[(long)Math.Floor(x * inverseWidth) - first]++;
            }
        }
    }

    /// <summary>
    /// Makes the window cover [lo, hi] as well as the values already added: starts the grid when
    /// the values stop being all equal, or coarsens it when the union does not fit.
    /// </summary>
    /// <param name="lo">The smallest new value.</param>
    /// <param name="hi">The largest new value.</param>
    /// <param name="startWidth">The width to use at least (a merged histogram's), or 0.</param>
    private void Cover(double lo, double hi, double startWidth)
    {
        double newMin = Count == 0 ? lo : Math.Min(Min, lo);
        double newMax = Count == 0 ? hi : Math.Max(Max, hi);
        if (_width > 0)
        {
            CoarsenToCover(newMin, newMax, Math.Max(_width, startWidth));
        }
        else if (startWidth > 0 || newMin != newMax)
        {
            StartGrid(startWidth > 0 ? startWidth : InitialWidth(newMax - newMin), newMin, newMax);
        }
    }

    private void StartGrid(double width, double newMin, double newMax)
    {
        _width = width;
        while (BinIndex(newMax) - BinIndex(newMin) >= _maxBins)
        {
            _width *= 2;
        }

        _firstBin = BinIndex(newMin);
        _length = (int)(BinIndex(newMax) - _firstBin + 1);
        if (Count > 0)
        {
            // Without a grid all values so far were equal to Min.
            _counts[BinIndex(Min) - _firstBin] += Count;
        }
    }

    private void CoarsenToCover(double newMin, double newMax, double width)
    {
        while (Math.Floor(newMax / width) - Math.Floor(newMin / width) >= _maxBins)
        {
            width *= 2;
        }

        MergeBins(Math.ILogB(width) - Math.ILogB(_width));
        _width = width;

        long newFirst = BinIndex(newMin);
        if (newFirst < _firstBin)
        {
            int gap = (int)(_firstBin - newFirst);
            Array.Copy(_counts, 0, _counts, gap, _length);
            Array.Clear(_counts, 0, gap);
            _firstBin = newFirst;
            _length += gap;
        }

        _length = (int)Math.Max(_length, BinIndex(newMax) - _firstBin + 1);
    }

    /// <summary>Doubles the bin width <paramref name="doublings"/> times, merging bins in place.</summary>
    private void MergeBins(int doublings)
    {
        if (doublings == 0)
        {
            return;
        }

        long newFirst = FloorShift(_firstBin, doublings);
        for (int j = 0; j < _length; j++)
        {
            // The target never lies after the source, and targets grow with j: reading left to right
            // sees each source before anything is added to it.
            long target = FloorShift(_firstBin + j, doublings) - newFirst;
            long count = _counts[j];
            _counts[j] = 0;
            _counts[target] += count;
        }

        long newLast = FloorShift(_firstBin + _length - 1, doublings);
        _firstBin = newFirst;
        _length = (int)(newLast - newFirst + 1);
    }

    private long BinIndex(double x) => (long)Math.Floor(x / _width);

    private double InitialWidth(double span)
    {
        double target = span / (_maxBins / 2.0);
        double width = Math.ScaleB(1.0, Math.ILogB(target));
        return width < target ? width * 2 : width;
    }

    /// <summary>⌊index / 2^shift⌋, also for shifts of 64 and more (where C#'s shift would wrap).</summary>
    private static long FloorShift(long index, int shift) =>
        shift < 63 ? index >> shift : (index < 0 ? -1 : 0);
}
