using Calib.Graph.Caffe;
using Calib.Graph.Caffe.Proto;
using static Calib.Graph.Tests.Caffe.CaffeTestNets;

namespace Calib.Graph.Tests.Caffe;

/// <summary>BatchNorm notices are one line with a count, however many BatchNorm layers the net has.</summary>
[TestClass]
public sealed class CaffeNoticesTests
{
    /// <summary>A chain of <paramref name="count"/> BatchNorm (use_global_stats: false) + Scale pairs on a 1×2×2×2 input.</summary>
    public static NetParameter BatchNormChain(int count)
    {
        var layers = new List<LayerParameter>();
        for (var i = 0; i < count; i++)
        {
            var bn = Layer($"bn{i}", "BatchNorm", ["data"], ["data"], Blob([2], [0f, 1f]), Blob([2], [1f, 2f]), Blob([1], [1f]));
            bn.BatchNormParam = new BatchNormParameter { UseGlobalStats = false };
            var scale = Layer($"scale{i}", "Scale", ["data"], ["data"], Blob([2], [1f, 2f]), Blob([2], [0.5f, 0f]));
            scale.ScaleParam = new ScaleParameter { BiasTerm = true };
            layers.AddRange([bn, scale]);
        }
        return Net([1, 2, 2, 2], [.. layers]);
    }

    [TestMethod]
    public void Batch_statistics_of_many_BatchNorm_layers_are_one_warning()
    {
        var warnings = new List<string>();
        var import = Import(BatchNormChain(5), new CaffeImportOptions { Warn = warnings.Add });

        Assert.HasCount(1, warnings, string.Join("\n", warnings));
        StringAssert.StartsWith(warnings[0], "5 BatchNorm layers ('bn0', 'bn1', … 'bn4') set use_global_stats: false");
        Assert.HasCount(5, import.MergedLayers);
    }

    [TestMethod]
    public void Joined_pairs_are_counted_in_one_line_and_listed_in_another()
    {
        var merged = new Dictionary<string, string> { ["scale0"] = "bn0", ["scale1"] = "bn1" };
        Assert.AreEqual("Joined 2 Scale layers into the BatchNorm before each (one BatchNormalization node per pair; the pairs: calib inspect).", CaffeNotices.JoinedScales(2));
        Assert.AreEqual("Scale layers joined into their BatchNorm (2): scale0 ← bn0, scale1 ← bn1", CaffeNotices.JoinedPairs(merged));
        StringAssert.StartsWith(CaffeNotices.BatchStatistics(["bn"]), "1 BatchNorm layer ('bn') sets use_global_stats");
    }
}
