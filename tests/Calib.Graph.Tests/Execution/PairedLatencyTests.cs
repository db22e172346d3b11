using Calib.Graph.Execution;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Graph.Tests.Execution;

[TestClass]
public sealed class PairedLatencyTests
{
    private static readonly Calib.Graph.Ir.OnnxModel Sample = OnnxModelFile.Load(RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx"));

    [TestMethod]
    public void A_spent_time_budget_still_makes_the_minimum_number_of_pairs()
    {
        var result = PairedLatency.Measure(Sample, Sample, [2, 1, 28, 28], ExecutionOptions.Default,
            new LatencyBudget { Warmup = 1, MinPairs = 4, MaxPairs = 100, Time = TimeSpan.Zero });

        Assert.AreEqual(4, result.Pairs);
        CollectionAssert.AreEqual(new long[] { 2, 1, 28, 28 }, result.InputShape);
        Assert.IsTrue(result.ReferenceMs > 0 && result.CandidateMs > 0);
        Assert.AreEqual(result.ReferenceMs / result.CandidateMs, result.SpeedUp, 1e-12);
    }

    [TestMethod]
    public void More_blocks_than_needed_pairs_still_make_exactly_the_minimum_when_the_time_is_spent()
    {
        var result = PairedLatency.Measure(Sample, Sample, [1, 1, 28, 28], ExecutionOptions.Default,
            new LatencyBudget { Warmup = 0, MinPairs = 5, MaxPairs = 100, Time = TimeSpan.Zero, Blocks = 6 });

        Assert.AreEqual(5, result.Pairs);
    }

    [TestMethod]
    public void The_pair_count_stops_at_the_maximum()
    {
        var result = PairedLatency.Measure(Sample, Sample, [1, 1, 28, 28], ExecutionOptions.Default,
            new LatencyBudget { Warmup = 0, MinPairs = 2, MaxPairs = 7, Time = TimeSpan.FromMinutes(1) });

        Assert.AreEqual(7, result.Pairs);
    }

    [TestMethod]
    public void The_median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        Assert.AreEqual(2.5, PairedLatency.Median([4, 1, 2, 3]));
        Assert.AreEqual(3, PairedLatency.Median([9, 1, 3]));
    }
}
