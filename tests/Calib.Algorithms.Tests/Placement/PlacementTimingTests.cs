using Calib.Algorithms.Placement;

namespace Calib.Algorithms.Tests.Placement;

/// <summary>How a timing decides: noise-sized differences keep a candidate int8, but never let an int8 deploy model stand that is not faster than float.</summary>
[TestClass]
public sealed class PlacementTimingTests
{
    [TestMethod]
    [DataRow(1.0, 0.98, false, DisplayName = "float 2 % faster: noise, int8 stays")]
    [DataRow(1.0, 0.96, true, DisplayName = "float 4 % faster: kept float")]
    [DataRow(1.0, 1.5, false, DisplayName = "int8 faster")]
    public void A_candidate_stays_int8_unless_float_wins_by_more_than_the_noise(double int8, double @float, bool keepFloat) =>
        Assert.AreEqual(keepFloat, new PlacementTiming("layer a", ["a"], int8, @float, 9).KeepFloat);

    [TestMethod]
    [DataRow(0.96, 1.0, false, DisplayName = "int8 4 % faster: the deploy model pays")]
    [DataRow(0.99, 1.0, true, DisplayName = "int8 1 % faster: noise, every layer float")]
    [DataRow(1.2, 1.0, true, DisplayName = "int8 slower: every layer float")]
    public void The_whole_model_stays_int8_only_when_faster_than_float_by_more_than_the_noise(double int8, double @float, bool keepFloat)
    {
        var whole = new PlacementTiming(PlacementTiming.WholeModel, ["a", "b"], int8, @float, 9);
        Assert.AreEqual(keepFloat, whole.KeepFloat);
        var result = new PlacementResult([1, 3], "cpu", 1, [new PlacementTiming("layer a", ["a"], 1, 2, 9)], whole, null, false);
        CollectionAssert.AreEqual(keepFloat ? new[] { "a", "b" } : Array.Empty<string>(), result.FloatLayers.ToArray());
        Assert.AreSame(keepFloat ? whole : result.Candidates[0], result.For("a"));
    }
}
