using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary><c>calib eval --images</c>: a plain folder, no labels — output fidelity, per-layer table, CSV/JSON and plots.</summary>
[TestClass]
public sealed class EvalWithoutLabelsTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");
    private static readonly string[] Normalization = ["--mean", "0.2860", "--std", "0.3530"];
    private static string _calibrated = "";

    [ClassInitialize]
    public static void Calibrate(TestContext _)
    {
        _calibrated = RepoPaths.NewTempDirectory();
        var result = CliRunner.InProcess(["run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "2", "--batch-size", "16",
            .. Normalization, "--no-fidelity", "--output", _calibrated]);
        Assert.AreEqual(0, result.ExitCode, result.Error);
    }

    private static string FakeQuant => Path.Combine(_calibrated, "fmnist_resnet_fake_quant.onnx");

    [TestMethod]
    public void Eval_on_a_plain_folder_prints_the_output_fidelity_and_layers_and_writes_the_report_and_plots()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = CliRunner.InProcess(["eval", "--model", SampleModel, "--quantized", FakeQuant, "--images", Images, .. Normalization,
            "--layer-samples", "24", "--report", Path.Combine(output, "diag.csv"), "--plots", Path.Combine(output, "plots")]);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, $"Fidelity against float on 24 images of '{Images}'");
        StringAssert.Contains(result.Output, "fmnist_resnet_fake_quant.onnx │ 0.99");
        StringAssert.Contains(result.Output, "/block_conv2/Conv");
        Assert.IsFalse(result.Output.Contains("agreement"), "no accuracy without labels");
        Assert.HasCount(8, File.ReadAllLines(Path.Combine(output, "diag.csv")), "header and 7 layers");
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, "diag.json")), "\"samples\": 24");
        Assert.HasCount(2, Directory.GetFiles(Path.Combine(output, "plots"), "*.png"));
    }

    [TestMethod]
    public void Eval_needs_exactly_one_of_eval_set_and_images()
    {
        var neither = CliRunner.InProcess("eval", "--model", SampleModel, "--quantized", FakeQuant);
        Assert.AreEqual(CalibApp.UserError, neither.ExitCode);
        StringAssert.Contains(neither.Error, "--eval-set DIR");
        StringAssert.Contains(neither.Error, "--images DIR");
        var both = CliRunner.InProcess("eval", "--model", SampleModel, "--quantized", FakeQuant, "--images", Images, "--eval-set", Images);
        Assert.AreEqual(CalibApp.UserError, both.ExitCode);
    }

    [TestMethod]
    public void Accuracy_sensitivity_and_limit_need_labels()
    {
        var accuracy = CliRunner.InProcess(["eval", "--model", SampleModel, "--quantized", FakeQuant, "--images", Images, .. Normalization,
            "--sensitivity", "accuracy"]);
        Assert.AreEqual(CalibApp.UserError, accuracy.ExitCode);
        StringAssert.Contains(accuracy.Error, "needs labels");
        var limit = CliRunner.InProcess(["eval", "--model", SampleModel, "--quantized", FakeQuant, "--images", Images, "--limit", "5"]);
        Assert.AreEqual(CalibApp.UserError, limit.ExitCode);
        StringAssert.Contains(limit.Error, "--limit applies to --eval-set");
    }
}
