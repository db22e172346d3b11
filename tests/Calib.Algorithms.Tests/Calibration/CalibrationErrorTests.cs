using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Graph;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Tests.Calibration;

[TestClass]
public sealed class CalibrationErrorTests
{
    [TestMethod]
    public void Nan_activations_name_the_tensor_and_layer()
    {
        // x → Log(x − 10): every normalized pixel gives NaN → Conv.
        var graph = new ModelGraph("nan");
        graph.Inputs.Add(ValueInfos.Tensor("input", DataType.Float, "batch", 1, 28, 28));
        graph.AddInitializer("ten", TensorData.Scalar(10f));
        graph.AddInitializer("w", TensorData.FromFloats([2, 1, 3, 3], new float[18]));
        graph.AddNode("Sub", "shift", ["input", "ten"], ["shifted"]);
        graph.AddNode("Log", "log", ["shifted"], ["logged"]);
        graph.AddNode("Conv", "conv", ["logged", "w"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, "batch", 2, 26, 26));
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "nan.onnx");
        OnnxModelFile.Save(new OnnxModel(graph, 13), path);
        var output = RepoPaths.NewTempDirectory();

        var e = Assert.ThrowsExactly<CalibException>(() => CalibrationRun.Execute(SampleRuns.Request(output, model: path, batchNum: 1, batchSize: 2)));

        StringAssert.Contains(e.Message, "'logged'");
        StringAssert.Contains(e.Message, "conv");
        StringAssert.Contains(e.Message, "NaN");
        Assert.AreEqual(0, Directory.GetFiles(output).Length);
    }

    [TestMethod]
    public void A_fixed_batch_that_differs_from_batch_size_is_refused()
    {
        var graph = new ModelGraph("fixed");
        graph.Inputs.Add(ValueInfos.Tensor("input", DataType.Float, 4, 1, 28, 28));
        graph.AddInitializer("w", TensorData.FromFloats([2, 1, 3, 3], new float[18]));
        graph.AddNode("Conv", "conv", ["input", "w"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 4, 2, 26, 26));
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "fixed.onnx");
        OnnxModelFile.Save(new OnnxModel(graph, 13), path);

        var e = Assert.ThrowsExactly<CalibException>(() => CalibrationRun.Execute(SampleRuns.Request(RepoPaths.NewTempDirectory(), model: path, batchNum: 1, batchSize: 8)));

        StringAssert.Contains(e.Message, "fixed batch size of 4");
    }
}
