using Calib.Algorithms.Quantization;
using Calib.Algorithms.Statistics;

namespace Calib.Algorithms.Tests.Quantization;

[TestClass]
public sealed class ActivationRangeSearchTests
{
    private static readonly ActivationAlgorithmOptions Defaults = new();

    [TestMethod]
    public void Minmax_is_the_exact_minimum_and_maximum()
    {
        var histogram = SampleData.HistogramOf([-1.5f, 0.25f, 3.75f, 2f], [0.5f, -0.125f]);

        Assert.AreEqual(new ClipRange(-1.5, 3.75), ActivationRangeSearch.Choose(histogram, ActivationAlgorithm.MinMax, Defaults));
    }

    [TestMethod]
    public void Every_range_contains_zero()
    {
        var positive = SampleData.HistogramOf(SampleData.Uniform(1, 1000, 2, 5));
        var negative = SampleData.HistogramOf(SampleData.Uniform(2, 1000, -5, -2));

        foreach (var algorithm in Calib.Algorithms.Configuration.QuantConfig.Searchable)
        {
            var fromPositive = ActivationRangeSearch.Choose(positive, algorithm, Defaults);
            var fromNegative = ActivationRangeSearch.Choose(negative, algorithm, Defaults);

            Assert.AreEqual(0.0, fromPositive.Min, $"{algorithm}");
            Assert.IsTrue(fromPositive.Max > 2, $"{algorithm}: {fromPositive}");
            Assert.AreEqual(0.0, fromNegative.Max, $"{algorithm}");
            Assert.IsTrue(fromNegative.Min < -2, $"{algorithm}: {fromNegative}");
        }
    }

    [TestMethod]
    public void Equal_values_give_the_range_from_zero_to_that_value()
    {
        var histogram = SampleData.HistogramOf([3f, 3f, 3f]);

        foreach (var algorithm in Calib.Algorithms.Configuration.QuantConfig.Searchable)
        {
            Assert.AreEqual(new ClipRange(0, 3), ActivationRangeSearch.Choose(histogram, algorithm, Defaults), $"{algorithm}");
        }
    }

    [TestMethod]
    public void Percentile_cuts_both_tails_of_uniform_integers()
    {
        var histogram = SampleData.HistogramOf(Enumerable.Range(-50_000, 100_001).Select(i => (float)i).ToArray());

        var range = ActivationRangeSearch.Choose(histogram, ActivationAlgorithm.Percentile, Defaults with { Percentile = 0.99 });

        Assert.AreEqual(-49_000, range.Min, 2.0);
        Assert.AreEqual(49_000, range.Max, 2.0);
    }

    [TestMethod]
    public void Entropy_threshold_lands_at_the_edge_of_the_bulk_far_below_the_outliers()
    {
        // A uniform bulk on [−1, 1] (205 of the 2048 magnitude bins) and a few outliers at ±10.
        float[] bulk = SampleData.Uniform(3, 200_000, -1, 1);
        var histogram = SampleData.HistogramOf(bulk, [10f, -10f, 9.5f, -9.75f, 10f]);

        var range = ActivationRangeSearch.Choose(histogram, ActivationAlgorithm.Entropy, Defaults);

        Assert.AreEqual(1.0, range.Max, 0.05);
        Assert.AreEqual(-1.0, range.Min, 0.05);
    }

    [TestMethod]
    public void Entropy_on_one_sided_data_starts_at_zero_and_clips_the_outliers()
    {
        float[] bulk = SampleData.Uniform(4, 200_000, 0, 1);
        var histogram = SampleData.HistogramOf(bulk, [5f, 4.5f, 5f]);

        var range = ActivationRangeSearch.Choose(histogram, ActivationAlgorithm.Entropy, Defaults);

        Assert.AreEqual(0.0, range.Min);
        Assert.AreEqual(1.0, range.Max, 0.05);
    }

    [TestMethod]
    [DataRow(ActivationAlgorithm.Ifmr, true)]
    [DataRow(ActivationAlgorithm.Ifmr, false)]
    [DataRow(ActivationAlgorithm.Mse, true)]
    [DataRow(ActivationAlgorithm.Mse, false)]
    [DataRow(ActivationAlgorithm.Hfmg, true)]
    [DataRow(ActivationAlgorithm.Entropy, true)]
    public void Searches_clip_heavy_tails_and_beat_minmax_on_the_raw_data(ActivationAlgorithm algorithm, bool asymmetric)
    {
        float[] values = SampleData.LaplaceWithOutlier(seed: 5);
        var histogram = SampleData.HistogramOf(values);
        var options = Defaults with { Asymmetric = asymmetric };

        var range = ActivationRangeSearch.Choose(histogram, algorithm, options);
        var minmax = ActivationRangeSearch.Choose(histogram, ActivationAlgorithm.MinMax, options);

        Assert.IsTrue(range.Max < histogram.Max, $"{range} should clip the outlier at {histogram.Max}");
        double error = SampleData.RawMeanSquaredError(values, range, asymmetric);
        double minmaxError = SampleData.RawMeanSquaredError(values, minmax, asymmetric);
        Assert.IsTrue(error < minmaxError / 2, $"{algorithm}: MSE {error} vs minmax {minmaxError}");
    }

    [TestMethod]
    public void Ifmr_searches_only_the_maximum_of_one_sided_data()
    {
        float[] values = SampleData.Laplace(seed: 6, count: 500_000).Select(Math.Abs).ToArray();
        var histogram = SampleData.HistogramOf(values);

        var range = ActivationRangeSearch.Choose(histogram, ActivationAlgorithm.Ifmr, Defaults);

        Assert.AreEqual(0.0, range.Min);
        Assert.IsTrue(range.Max < histogram.Max, $"{range}");
        Assert.IsTrue(SampleData.RawMeanSquaredError(values, range) < SampleData.RawMeanSquaredError(values, new ClipRange(0, histogram.Max)));
    }

    [TestMethod]
    public void Ifmr_candidates_are_the_percentile_values_times_the_search_factors()
    {
        float[] values = SampleData.Laplace(seed: 7, count: 100_000);
        var histogram = SampleData.HistogramOf(values);
        double maxInit = histogram.Quantile(0.999999);
        double minInit = histogram.Quantile(1 - 0.999999);

        var range = ActivationRangeSearch.Choose(histogram, ActivationAlgorithm.Ifmr, Defaults);

        double s = range.Max / maxInit, t = range.Min / minInit;
        Assert.AreEqual(Math.Round(s, 2), s, 1e-12, $"max factor {s}");
        Assert.AreEqual(Math.Round(t, 2), t, 1e-12, $"min factor {t}");
        Assert.IsTrue(s >= 0.7 && s <= 1.3 && t >= 0.7 && t <= 1.3);
    }

    [TestMethod]
    public void Hfmg_clips_tighter_than_minmax_on_heavy_tailed_data()
    {
        float[] values = SampleData.Laplace(seed: 8, count: 500_000);
        var histogram = SampleData.HistogramOf(values);

        var range = ActivationRangeSearch.Choose(histogram, ActivationAlgorithm.Hfmg, Defaults);

        Assert.IsTrue(range.Min > histogram.Min && range.Max < histogram.Max, $"{range} vs [{histogram.Min}, {histogram.Max}]");
    }

    [TestMethod]
    [DataRow(1024)]
    [DataRow(2048)]
    [DataRow(8192)]
    public void Hfmg_accepts_the_AMCT_bin_counts(int bins)
    {
        var histogram = SampleData.HistogramOf(SampleData.Laplace(seed: 9, count: 10_000));

        var range = ActivationRangeSearch.Choose(histogram, ActivationAlgorithm.Hfmg, Defaults with { NumOfBins = bins });

        Assert.IsTrue(range.Max > 0 && range.Max <= histogram.Max);
    }

    [TestMethod]
    public void An_empty_histogram_is_rejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => ActivationRangeSearch.Choose(new StreamingHistogram(), ActivationAlgorithm.MinMax, Defaults));
    }

    [TestMethod]
    public void The_same_data_twice_gives_bit_identical_ranges()
    {
        foreach (var algorithm in Calib.Algorithms.Configuration.QuantConfig.Searchable)
        {
            var first = ActivationRangeSearch.Choose(SampleData.HistogramOf(SampleData.Laplace(10, 50_000)), algorithm, Defaults);
            var second = ActivationRangeSearch.Choose(SampleData.HistogramOf(SampleData.Laplace(10, 50_000)), algorithm, Defaults);

            Assert.AreEqual(BitConverter.DoubleToInt64Bits(first.Min), BitConverter.DoubleToInt64Bits(second.Min), $"{algorithm}");
            Assert.AreEqual(BitConverter.DoubleToInt64Bits(first.Max), BitConverter.DoubleToInt64Bits(second.Max), $"{algorithm}");
        }
    }
}
