using Calib.Algorithms.Calibration;
using Calib.Algorithms.Preparation;
using Calib.Algorithms.Tests.Calibration;
using Calib.Algorithms.Workflows;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Onnx.Proto;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Workflows;

/// <summary>The layers <c>calib inspect</c> marks quantizable are exactly the layers <c>calib run</c> quantizes.</summary>
[TestClass]
public sealed class InspectRunAgreementTests
{
    [TestMethod]
    public void On_the_sample_inspect_lists_what_run_quantizes()
    {
        AssertRunAgreesWithInspect(SampleRuns.SampleModel, expectedCount: 7);
    }

    [TestMethod]
    public void A_conv_whose_weight_comes_through_identity_is_quantized_by_both()
    {
        var quantized = AssertRunAgreesWithInspect(WriteModel(WeightPath.Identity), expectedCount: 2);
        CollectionAssert.Contains(quantized.ToList(), "conv_identity");
    }

    [TestMethod]
    public void A_conv_whose_weight_is_a_reshaped_constant_gets_one_verdict()
    {
        var path = WriteModel(WeightPath.Reshape);
        AssertRunAgreesWithInspect(path, expectedCount: null);
        var row = Inspection.Inspect(new ModelSource(path), null).Layers.Single(l => l.Name == "conv_identity");
        Assert.IsTrue(row.Quantizable || row.Reason!.Contains("not a constant"), row.Reason);
    }

    /// <summary>Runs calibration and inspection on <paramref name="modelPath"/> and asserts they name the same layers.</summary>
    internal static IReadOnlySet<string> AssertRunAgreesWithInspect(string modelPath, int? expectedCount)
    {
        var inspected = Inspection.Inspect(new ModelSource(modelPath), null).Layers.Where(l => l.Quantizable).Select(l => l.Name).ToHashSet();
        var outcome = CalibrationRun.Execute(SampleRuns.Request(RepoPaths.NewTempDirectory(), modelPath, batchNum: 1, batchSize: 8));
        var run = outcome.Result.Layers.Select(l => l.Layer.Name).ToHashSet();
        CollectionAssert.AreEquivalent(run.Order().ToList(), inspected.Order().ToList());
        if (expectedCount is { } count) Assert.AreEqual(count, run.Count);
        return run;
    }

    private enum WeightPath { Identity, Reshape }

    // Two Convs on a 1×28×28 input: the first reads its filter through Identity (or a Reshape of a constant), the second directly.
    private static string WriteModel(WeightPath weightPath)
    {
        var random = new Random(11);
        TensorProto Floats(params long[] dims) => TensorData.FromFloats(dims,
            Enumerable.Range(0, (int)dims.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
        var graph = new ModelGraph("weights_through_nodes");
        graph.Inputs.Add(ValueInfos.Tensor("x", TensorProto.Types.DataType.Float, "batch", 1, 28, 28));
        if (weightPath == WeightPath.Identity)
        {
            graph.AddInitializer("w1_stored", Floats(4, 1, 3, 3));
            graph.AddNode("Identity", "w1_identity", ["w1_stored"], ["w1"]);
        }
        else
        {
            graph.AddInitializer("w1_flat", Floats(36));
            graph.AddInitializer("w1_shape", TensorData.FromInt64s([4], [4, 1, 3, 3]));
            graph.AddNode("Reshape", "w1_reshape", ["w1_flat", "w1_shape"], ["w1"]);
        }
        graph.AddInitializer("w2", Floats(2, 4, 3, 3));
        graph.AddNode("Conv", "conv_identity", ["x", "w1"], ["c1"]);
        graph.AddNode("Relu", "relu", ["c1"], ["r1"]);
        graph.AddNode("Conv", "conv_direct", ["r1", "w2"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", TensorProto.Types.DataType.Float, "batch", 2, 24, 24));
        var path = Path.Combine(RepoPaths.NewTempDirectory(), $"weights_{weightPath.ToString().ToLowerInvariant()}.onnx");
        OnnxModelFile.Save(new OnnxModel(graph, opsetVersion: 13), path);
        return path;
    }
}
