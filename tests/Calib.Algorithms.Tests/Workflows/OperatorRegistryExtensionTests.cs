using Calib.Algorithms.Tests.Calibration;
using Calib.Algorithms.Workflows;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Operators;
using Calib.Tests.Shared;
using Microsoft.ML.OnnxRuntime;

namespace Calib.Algorithms.Tests.Workflows;

/// <summary>
/// Adding a quantizable operator kind is one type and one registry entry: registered, a kind calib
/// never quantized (MaxPool here) is found, observed, given a scale, written into the fake-quant and
/// deploy models and listed in the CSV, with no other change.
/// </summary>
[TestClass]
public sealed class OperatorRegistryExtensionTests
{
    /// <summary>MAX pooling quantized on its input, as a plug-in kind would be written.</summary>
    private sealed class MaxPoolOperator : QuantizableOperator
    {
        public override string OpType => "MaxPool";

        public override string AmctType => "Pooling";

        public override int? WeightInput => null;

        public override int? BiasInput => null;

        public override string? Restriction(ModelGraph graph, Node node) => null;
    }

    [TestMethod]
    public void A_registered_kind_is_calibrated_and_written_end_to_end()
    {
        var output = RepoPaths.NewTempDirectory();
        var request = SampleRuns.Request(output, batchNum: 1, batchSize: 16) with { Operators = OperatorRegistry.Default.With(new MaxPoolOperator()) };

        var outcome = CalibrationRun.Execute(request);

        var pool = outcome.Result.Layers.Single(l => l.Layer.OpType == "MaxPool");
        Assert.IsTrue(pool.Input.Params.Scale > 0);
        Assert.AreEqual(8, outcome.Result.Layers.Count, "the sample's 7 layers and the MaxPool");
        var fakeQuant = OnnxModelFile.Load(Path.Combine(output, "fmnist_resnet_fake_quant.onnx"));
        var maxPool = fakeQuant.Graph.Nodes.Single(n => n.OpType == "MaxPool");
        Assert.AreEqual("DequantizeLinear", fakeQuant.Graph.ProducerOf(maxPool.Inputs[0])!.OpType);
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, "fmnist_resnet_calibration.csv")), $"{pool.Layer.Name},MaxPool,quantized");
        using var deploy = new InferenceSession(Path.Combine(output, "fmnist_resnet_deploy.onnx"));
        Assert.AreEqual(1, deploy.OutputMetadata.Count);
    }

    [TestMethod]
    public void The_default_registry_is_not_changed_by_an_extension()
    {
        _ = OperatorRegistry.Default.With(new MaxPoolOperator());
        Assert.IsNull(OperatorRegistry.Default.Find("MaxPool"));
        Assert.IsNotNull(OperatorRegistry.Default.Find("Conv"));
    }
}
