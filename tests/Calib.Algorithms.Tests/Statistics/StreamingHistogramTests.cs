using Calib.Algorithms.Statistics;

namespace Calib.Algorithms.Tests.Statistics;

[TestClass]
public sealed class StreamingHistogramTests
{
    [TestMethod]
    public void Counts_min_and_max_of_known_data()
    {
        var histogram = new StreamingHistogram(maxBins: 16);

        histogram.Add([-2.5f, -0.5f, 0f, 0.5f, 3f]);

        // Span 5.5 over half the window (8 bins) needs width ≥ 0.6875: the power of two is 1.
        Assert.AreEqual(1.0, histogram.BinWidth);
        Assert.AreEqual(-3L, histogram.FirstBinIndex);
        CollectionAssert.AreEqual(new long[] { 1, 0, 1, 2, 0, 0, 1 }, histogram.Counts.ToArray());
        Assert.AreEqual(5L, histogram.Count);
        Assert.AreEqual(-2.5, histogram.Min);
        Assert.AreEqual(3.0, histogram.Max);
    }

    [TestMethod]
    public void Quantiles_of_uniform_integers()
    {
        var histogram = new StreamingHistogram();
        histogram.Add(Enumerable.Range(0, 1000).Select(i => (float)i).ToArray());

        Assert.AreEqual(0.0, histogram.Quantile(0));
        Assert.AreEqual(999.0, histogram.Quantile(1));
        Assert.AreEqual(249.75, histogram.Quantile(0.25), 1.0);
        Assert.AreEqual(499.5, histogram.Quantile(0.5), 1.0);
        Assert.AreEqual(989.0, histogram.Quantile(0.99), 1.0);
    }

    [TestMethod]
    public void Quantiles_of_a_fine_uniform_grid_are_accurate()
    {
        var histogram = new StreamingHistogram();
        histogram.Add(Enumerable.Range(0, 100_000).Select(i => i / 100_000f).ToArray());

        foreach (double q in new[] { 0.001, 0.1, 0.5, 0.9, 0.999 })
        {
            Assert.AreEqual(q, histogram.Quantile(q), 1e-4, $"quantile {q}");
        }
    }

    [TestMethod]
    [DataRow(-0.1)]
    [DataRow(1.1)]
    [DataRow(double.NaN)]
    public void Quantile_outside_0_to_1_is_rejected(double q)
    {
        var histogram = new StreamingHistogram();
        histogram.Add([1f, 2f]);

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => histogram.Quantile(q));
    }

    [TestMethod]
    public void Quantile_of_an_empty_histogram_is_an_error()
    {
        Assert.ThrowsExactly<InvalidOperationException>(() => new StreamingHistogram().Quantile(0.5));
    }

    [TestMethod]
    public void Widening_range_doubles_the_width_and_keeps_exact_counts()
    {
        var histogram = new StreamingHistogram(maxBins: 64);
        float[] first = Uniform(seed: 1, count: 1000, lo: 0, hi: 1);
        float[] second = Uniform(seed: 2, count: 1000, lo: -10, hi: 30);

        histogram.Add(first);
        double initialWidth = histogram.BinWidth;
        histogram.Add(second);

        Assert.IsTrue(histogram.BinWidth > initialWidth, "the width must have grown");
        Assert.AreEqual(2000L, Sum(histogram.Counts));
        AssertExactBinning(histogram, [.. first, .. second]);
    }

    [TestMethod]
    public void Window_never_exceeds_max_bins_and_memory_does_not_grow()
    {
        const int maxBins = 64;
        var histogram = new StreamingHistogram(maxBins);
        var all = new List<float>();
        double spread = 0.01;
        for (int batch = 0; batch < 300; batch++, spread *= 1.07)
        {
            float[] values = Uniform(seed: batch, count: 100, lo: -spread / 3, hi: spread);
            histogram.Add(values);
            all.AddRange(values);
            Assert.IsTrue(histogram.Counts.Length <= maxBins, $"batch {batch}: {histogram.Counts.Length} bins");
        }

        AssertExactBinning(histogram, all.ToArray());

        float[] wide = Uniform(seed: 1000, count: 10_000, lo: (float)-spread, hi: (float)spread);
        histogram.Add(wide);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int batch = 0; batch < 100; batch++)
        {
            histogram.Add(wide);
        }

        Assert.AreEqual(0L, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore, "Add must not allocate");
    }

    [TestMethod]
    public void Merging_equals_adding_all_values_to_one_histogram()
    {
        float[][] batchesA = [Uniform(1, 500, -1, 1), Uniform(2, 500, -3, 2)];
        float[][] batchesB = [Uniform(3, 500, -1, 1), Uniform(4, 500, 0, 5)];
        var a = new StreamingHistogram(256);
        var b = new StreamingHistogram(256);
        var all = new StreamingHistogram(256);
        foreach (var batch in batchesA)
        {
            a.Add(batch);
            all.Add(batch);
        }

        foreach (var batch in batchesB)
        {
            b.Add(batch);
            all.Add(batch);
        }

        a.Merge(b);

        Assert.AreEqual(all.BinWidth, a.BinWidth);
        Assert.AreEqual(all.FirstBinIndex, a.FirstBinIndex);
        CollectionAssert.AreEqual(all.Counts.ToArray(), a.Counts.ToArray());
        Assert.AreEqual(all.Count, a.Count);
        Assert.AreEqual(all.Min, a.Min);
        Assert.AreEqual(all.Max, a.Max);
    }

    [TestMethod]
    public void Merging_histograms_of_different_widths_bins_every_value_exactly()
    {
        float[] narrow = Uniform(5, 2000, -0.01f, 0.02f);
        float[] wide = Uniform(6, 2000, -400, 100);
        var a = new StreamingHistogram(128);
        var b = new StreamingHistogram(512);
        a.Add(narrow);
        b.Add(wide);

        a.Merge(b);

        Assert.IsTrue(a.Counts.Length <= 128);
        AssertExactBinning(a, [.. narrow, .. wide]);
        Assert.AreEqual(-400.0, a.Min, 1.0);
    }

    [TestMethod]
    public void Merging_into_an_empty_histogram_copies_and_merging_into_itself_doubles()
    {
        var source = new StreamingHistogram();
        source.Add(Uniform(7, 1000, -2, 3));
        var copy = new StreamingHistogram();

        copy.Merge(source);
        CollectionAssert.AreEqual(source.Counts.ToArray(), copy.Counts.ToArray());
        Assert.AreEqual(source.BinWidth, copy.BinWidth);

        copy.Merge(copy);
        CollectionAssert.AreEqual(source.Counts.ToArray().Select(c => 2 * c).ToArray(), copy.Counts.ToArray());
        Assert.AreEqual(2000L, copy.Count);
    }

    [TestMethod]
    public void Equal_values_need_no_grid_until_a_different_value_arrives()
    {
        var histogram = new StreamingHistogram(8);
        histogram.Add([0f, 0f, 0f]);
        histogram.Add([0f]);

        Assert.AreEqual(0.0, histogram.BinWidth);
        Assert.AreEqual(0, histogram.Counts.Length);
        Assert.AreEqual(0.0, histogram.Quantile(0.5));
        Assert.AreEqual(4L, histogram.Count);

        histogram.Add([4f]);

        // Span 4 over half the window (4 bins): width 1.
        Assert.AreEqual(1.0, histogram.BinWidth);
        CollectionAssert.AreEqual(new long[] { 4, 0, 0, 0, 1 }, histogram.Counts.ToArray());
    }

    [TestMethod]
    public void Merging_a_histogram_of_equal_values_adds_them_at_their_value()
    {
        var histogram = new StreamingHistogram(16);
        histogram.Add([0f, 1f, 2f, 3f]);
        var constant = new StreamingHistogram(16);
        constant.Add([2.5f, 2.5f]);

        histogram.Merge(constant);

        AssertExactBinning(histogram, [0f, 1f, 2f, 3f, 2.5f, 2.5f]);
    }

    [TestMethod]
    public void Merging_into_a_histogram_of_equal_values_keeps_them()
    {
        var constant = new StreamingHistogram(16);
        constant.Add([-1.5f, -1.5f, -1.5f]);
        var spread = new StreamingHistogram(16);
        spread.Add([0f, 1f, 2f, 3f]);

        constant.Merge(spread);

        AssertExactBinning(constant, [-1.5f, -1.5f, -1.5f, 0f, 1f, 2f, 3f]);
    }

    [TestMethod]
    public void NaN_and_infinities_are_counted_and_left_out()
    {
        var histogram = new StreamingHistogram();
        var values = Uniform(8, 100, 1, 2);
        values[3] = float.NaN;
        values[17] = float.PositiveInfinity;
        values[64] = float.NegativeInfinity;
        values[99] = float.NaN; // in the scalar tail after the SIMD vectors

        long nonFinite = histogram.Add(values);

        Assert.AreEqual(4L, nonFinite);
        Assert.AreEqual(96L, histogram.Count);
        Assert.AreEqual(96L, Sum(histogram.Counts));
        Assert.IsTrue(histogram.Min >= 1 && histogram.Max < 2);
    }

    [TestMethod]
    public void A_batch_of_only_NaN_adds_nothing()
    {
        var histogram = new StreamingHistogram();

        Assert.AreEqual(3L, histogram.Add([float.NaN, float.NaN, float.PositiveInfinity]));
        Assert.AreEqual(0L, histogram.Count);
    }

    [TestMethod]
    public void Rebinning_splits_fine_bins_by_overlap_and_clamps_outside_values()
    {
        var histogram = new StreamingHistogram(16);
        histogram.Add([0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f]);

        CollectionAssert.AreEqual(new[] { 2.0, 2, 2, 2 }, histogram.Rebin(0, 8, 4).Counts);
        CollectionAssert.AreEqual(new[] { 2.0, 6 }, histogram.Rebin(0, 4, 2).Counts);
        CollectionAssert.AreEqual(new[] { 3.5, 4.5 }, histogram.Rebin(0, 7, 2).Counts);
        Assert.AreEqual(8.0, histogram.Rebin(-100, 100, 7).Total, 1e-12);
    }

    [TestMethod]
    public void The_same_batches_give_bit_identical_histograms()
    {
        float[] values = Uniform(9, 50_000, -3, 7);
        var first = new StreamingHistogram();
        var second = new StreamingHistogram();

        first.Add(values);
        second.Add(values);

        CollectionAssert.AreEqual(first.Counts.ToArray(), second.Counts.ToArray());
        Assert.AreEqual(BitConverter.DoubleToInt64Bits(first.Quantile(0.3)), BitConverter.DoubleToInt64Bits(second.Quantile(0.3)));
    }

    private static float[] Uniform(int seed, int count, float lo, float hi)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => lo + (float)random.NextDouble() * (hi - lo)).ToArray();
    }

    private static float[] Uniform(int seed, int count, double lo, double hi) => Uniform(seed, count, (float)lo, (float)hi);

    private static long Sum(ReadOnlySpan<long> counts)
    {
        long sum = 0;
        foreach (long count in counts)
        {
            sum += count;
        }

        return sum;
    }

    /// <summary>Every value counted in bin ⌊x/w⌋, and the window from Min's bin to Max's.</summary>
    private static void AssertExactBinning(StreamingHistogram histogram, float[] values)
    {
        double width = histogram.BinWidth;
        Assert.AreEqual(Math.Floor(values.Min() / width), histogram.FirstBinIndex);
        var expected = new long[(long)Math.Floor(values.Max() / width) - histogram.FirstBinIndex + 1];
        foreach (float x in values)
        {
            expected[(long)Math.Floor(x / width) - histogram.FirstBinIndex]++;
        }

        CollectionAssert.AreEqual(expected, histogram.Counts.ToArray());
        Assert.AreEqual(values.Min(), histogram.Min);
        Assert.AreEqual(values.Max(), histogram.Max);
        Assert.AreEqual(values.LongLength, histogram.Count);
    }
}
