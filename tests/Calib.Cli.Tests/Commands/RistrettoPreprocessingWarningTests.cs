using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary>ristretto quantize warns, in one line, when an image model is fed raw pixels with no preprocessing.</summary>
[TestClass]
public sealed class RistrettoPreprocessingWarningTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string SampleEvalSet = RepoPaths.InRepo("calibration-data", "fmnist-eval");

    [TestMethod]
    public void Raw_pixels_into_an_onnx_model_are_warned_about_naming_the_flags()
    {
        var result = Quantize(SampleModel, SampleEvalSet);
        Assert.AreEqual(0, result.ExitCode, result.Error);
        AssertOneWarning(result.Error);
    }

    [TestMethod]
    [DataRow("--mean", "0.2860", "--std", "0.3530")]
    [DataRow("--preprocess", "none")]
    public void Given_preprocessing_is_not_warned_about(params string[] flags)
    {
        var result = Quantize(SampleModel, SampleEvalSet, flags);
        Assert.AreEqual(0, result.ExitCode, result.Error);
        Assert.DoesNotContain("warning", result.Error);
    }

    [TestMethod]
    [TestCategory(Categories.RealModel)]
    public void A_caffe_deploy_prototxt_without_transform_param_is_warned_about()
    {
        var lenet = RepoPaths.SharedData("caffe", "lenet-mnist");
        // The deploy net's Input layer fixes the batch at 64.
        var model = new[] { "--model", Path.Combine(lenet, "lenet.prototxt"), "--weights", Path.Combine(lenet, "lenet_iter_10000.caffemodel"), "--batch-size", "64" };
        var raw = Quantize(null, RepoPaths.SharedData("mnist"), model);
        Assert.AreEqual(0, raw.ExitCode, raw.Error);
        AssertOneWarning(raw.Error);
        var scaled = Quantize(null, RepoPaths.SharedData("mnist"), [.. model, "--scale", "0.00390625"]);
        Assert.AreEqual(0, scaled.ExitCode, scaled.Error);
        Assert.DoesNotContain("warning", scaled.Error);
        // The train/test net's transform_param is preprocessing: no warning either.
        var trainTest = Quantize(null, RepoPaths.SharedData("mnist"),
            "--model", Path.Combine(lenet, "lenet_train_test.prototxt"), "--weights", Path.Combine(lenet, "lenet_iter_10000.caffemodel"));
        Assert.AreEqual(0, trainTest.ExitCode, trainTest.Error);
        Assert.DoesNotContain("warning", trainTest.Error);
    }

    private static void AssertOneWarning(string error)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, error);
        StringAssert.StartsWith(lines[0], "calib: warning: no preprocessing was given");
        StringAssert.Contains(lines[0], "--scale");
        StringAssert.Contains(lines[0], "--preprocess");
    }

    // One batch (of 100 by default) per score: power-of-two mode scores a single network.
    private static CliRunner.Outcome Quantize(string? model, string evalSet, params string[] flags) => CliRunner.InProcess(
    [
        "ristretto", "quantize", .. model is null ? Array.Empty<string>() : ["--model", model],
        "--model-quantized", Path.Combine(RepoPaths.NewTempDirectory(), model is null ? "q.prototxt" : "q.json"),
        "--trimming-mode", "integer_power_of_2_weights", "--iterations", "1", "--eval-set", evalSet, .. flags,
    ]);
}
