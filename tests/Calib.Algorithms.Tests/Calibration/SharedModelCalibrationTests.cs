using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Calibration;

/// <summary>SPEC acceptance on the public Fashion-MNIST LeNet in ../shared/data.</summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class SharedModelCalibrationTests
{
    private static string _output = "";

    [ClassInitialize]
    public static void Calibrate(TestContext _)
    {
        _output = RepoPaths.NewTempDirectory();
        // The acceptance command: --batch-num 8 with the model's default batch (dynamic, so 1).
        CalibrationRun.Execute(SampleRuns.Request(_output,
            model: RepoPaths.SharedData("onnx", "fmnist_lenet.onnx"),
            images: RepoPaths.SharedData("fmnist", "calib"), batchNum: 8) with { BatchSize = null });
    }

    [TestMethod]
    [DataRow("fake_quant")]
    [DataRow("deploy")]
    public void Both_quantized_models_pass_the_onnx_checker(string kind)
    {
        Assert.IsNull(OnnxChecker.Check(Path.Combine(_output, $"fmnist_lenet_{kind}.onnx")));
    }

    [TestMethod]
    public void Quantized_top1_on_the_test_set_is_within_half_a_point_of_float()
    {
        var test = RepoPaths.SharedData("fmnist", "test");
        var reference = SampleRuns.Top1(RepoPaths.SharedData("onnx", "fmnist_lenet.onnx"), test);
        Assert.AreEqual(90.8, reference, 0.05, "float top-1 as documented for the 1,000-image subset");
        foreach (var kind in new[] { "fake_quant", "deploy" })
        {
            var quantized = SampleRuns.Top1(Path.Combine(_output, $"fmnist_lenet_{kind}.onnx"), test);
            Assert.IsTrue(Math.Abs(reference - quantized) <= 0.5, $"{kind}: {quantized} vs float {reference}");
        }
    }

    [TestMethod]
    public void The_deploy_model_is_at_most_035_of_the_float_size()
    {
        var ratio = (double)new FileInfo(Path.Combine(_output, "fmnist_lenet_deploy.onnx")).Length
            / new FileInfo(RepoPaths.SharedData("onnx", "fmnist_lenet.onnx")).Length;
        Assert.IsTrue(ratio <= 0.35, $"size ratio {ratio:F3}");
    }
}
