using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Tests.Calibration;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Evaluation;

/// <summary>The accuracy report on the public Fashion-MNIST LeNet and its 1,000 labelled test images.</summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class SharedModelEvaluationTests
{
    private static string _output = "";
    private static EvaluatedRunOutcome _outcome = null!;

    private static string Lenet => RepoPaths.SharedData("onnx", "fmnist_lenet.onnx");

    private static string TestSet => RepoPaths.SharedData("fmnist", "test");

    [ClassInitialize]
    public static void CalibrateAndEvaluate(TestContext _)
    {
        _output = RepoPaths.NewTempDirectory();
        _outcome = EvaluatedRun.Execute(new EvaluatedRunRequest
        {
            Calibration = SampleRuns.Request(_output, model: Lenet, images: RepoPaths.SharedData("fmnist", "calib"), batchNum: 8) with { BatchSize = null },
            EvalSet = TestSet,
            Settings = new EvaluationSettings { Sensitivity = SensitivityMeasure.Accuracy },
        });
    }

    [TestMethod]
    public void The_float_top1_is_what_onnx_runtime_gives_on_its_own()
    {
        var independent = SampleRuns.Top1(Lenet, TestSet);

        Assert.AreEqual(90.8, independent, 1e-9, "the documented float top-1 of the 1,000-image subset");
        Assert.AreEqual(independent, _outcome.Report.Float.Top1, 1e-9);
        Assert.AreEqual(SampleRuns.Top1(Path.Combine(_output, "fmnist_lenet_fake_quant.onnx"), TestSet), _outcome.Report.Quantized.Top1, 1e-9);
        Assert.AreEqual(SampleRuns.Top1(Path.Combine(_output, "fmnist_lenet_deploy.onnx"), TestSet), _outcome.Report.Others.Single().Top1, 1e-9);
        Assert.IsTrue(Math.Abs(_outcome.Report.Quantized.Top1Difference(_outcome.Report.Float)) <= 0.5);
    }

    [TestMethod]
    public void The_csv_has_one_row_per_quantized_layer()
    {
        var rows = File.ReadAllLines(Path.Combine(_output, "fmnist_lenet_accuracy.csv")).Skip(1).Select(l => l.Split(',')[0]).ToArray();

        CollectionAssert.AreEqual(_outcome.Calibration.Result.Layers.Select(l => l.Layer.Name).ToArray(), rows);
        CollectionAssert.AreEqual(new[] { "/conv1/Conv", "/conv2/Conv", "/fc1/Gemm", "/fc2/Gemm", "/fc3/Gemm" }, rows);
        Assert.IsTrue(_outcome.Report.Layers.All(l => l.Top1 is not null && l.Error is { SqnrDb: > 20 }));
        Assert.IsTrue(File.Exists(Path.Combine(_output, "fmnist_lenet_layer_sqnr.png")));
    }
}
