using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

[TestClass]
public sealed class EvalCommandTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");
    private static readonly string EvalImages = RepoPaths.InRepo("calibration-data", "fmnist-eval");
    private static readonly string[] Normalization = ["--mean", "0.2860", "--std", "0.3530"];
    private static string _calibrated = "";

    [ClassInitialize]
    public static void Calibrate(TestContext _)
    {
        _calibrated = RepoPaths.NewTempDirectory();
        var result = CliRunner.InProcess(["run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "4", "--batch-size", "16", .. Normalization, "--output", _calibrated]);
        Assert.AreEqual(0, result.ExitCode, result.Error);
    }

    private static string FakeQuant => Path.Combine(_calibrated, "fmnist_resnet_fake_quant.onnx");

    [TestMethod]
    public void Eval_prints_the_summary_and_writes_the_report_and_plots()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = CliRunner.InProcess(["eval", "--model", SampleModel, "--quantized", FakeQuant, "--eval-set", EvalImages, .. Normalization,
            "--limit", "100", "--layer-samples", "16", "--report", Path.Combine(output, "acc.csv"), "--plots", Path.Combine(output, "plots"),
            "--plot-layer", "/fc1/Gemm"]);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "evaluated " + SampleModel);
        StringAssert.Contains(result.Output, "100 images from");
        StringAssert.Contains(result.Output, "agreement");
        StringAssert.Contains(result.Output, "/block_conv2/Conv");
        Assert.HasCount(8, File.ReadAllLines(Path.Combine(output, "acc.csv")), "header and 7 layers");
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, "acc.json")), "\"images\": 100");
        CollectionAssert.AreEquivalent(new[] { "layer_sqnr.png", "histogram_fc1_Gemm.png" },
            Directory.GetFiles(Path.Combine(output, "plots")).Select(Path.GetFileName).ToArray());
        StringAssert.Contains(result.Output, Path.Combine(output, "plots", "layer_sqnr.png"));
    }

    [TestMethod]
    public void Run_with_a_budget_keeps_the_spoiled_layer_in_float_and_says_so()
    {
        var directory = RepoPaths.NewTempDirectory();
        var config = Path.Combine(directory, "spoil.json");
        File.WriteAllText(config, """{ "/conv3/Conv": { "activation_quant_params": { "act_algo": "ifmr", "search_range": [0.01, 0.02], "search_step": 0.01 } } }""");
        var output = Path.Combine(directory, "out");

        var result = CliRunner.InProcess(["run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "4", "--batch-size", "16", .. Normalization,
            "--config", config, "--eval-set", EvalImages, "--accuracy-budget", "0.5", "--output", output]);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "accuracy budget step 1: kept /conv3/Conv in float");
        StringAssert.Contains(result.Output, "Kept 1 layer(s) in float");
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, "fmnist_resnet_quant_config.json")), "\"/conv3/Conv\": {\n    \"quant_enable\": false");
        foreach (var file in new[] { "fmnist_resnet_accuracy.csv", "fmnist_resnet_accuracy.json", "fmnist_resnet_layer_sqnr.png" })
            Assert.IsTrue(File.Exists(Path.Combine(output, file)), file);
    }

    [TestMethod]
    public void A_missing_eval_set_is_one_clear_error()
    {
        UserErrors.AssertOne(CliRunner.InProcess(["eval", "--model", SampleModel, "--quantized", FakeQuant, "--eval-set", "/no/eval/set", .. Normalization]),
            "/no/eval/set", "does not exist");
    }

    [TestMethod]
    public void Labels_beyond_the_models_classes_are_one_clear_error()
    {
        var set = RepoPaths.NewTempDirectory();
        foreach (var folder in new[] { "0_tshirt_top", "10_not_a_fashion_class" })
        {
            Directory.CreateDirectory(Path.Combine(set, folder));
            File.Copy(Directory.GetFiles(Path.Combine(EvalImages, "0_tshirt_top"))[0], Path.Combine(set, folder, "a.png"));
        }

        var result = CliRunner.InProcess(["eval", "--model", SampleModel, "--quantized", FakeQuant, "--eval-set", set, .. Normalization]);

        UserErrors.AssertOne(result, "10_not_a_fashion_class", "outside the 10 classes");
    }

    [TestMethod]
    public void Sorted_class_folders_that_cannot_match_the_model_are_one_clear_error()
    {
        var set = RepoPaths.NewTempDirectory();
        foreach (var folder in new[] { "bag", "coat", "dress" })
        {
            Directory.CreateDirectory(Path.Combine(set, folder));
            File.Copy(Directory.GetFiles(Path.Combine(EvalImages, "0_tshirt_top"))[0], Path.Combine(set, folder, "a.png"));
        }

        var result = CliRunner.InProcess(["eval", "--model", SampleModel, "--quantized", FakeQuant, "--eval-set", set, .. Normalization]);

        UserErrors.AssertOne(result, set, "has 3 class folders but model");
    }

    [TestMethod]
    [DataRow("--accuracy-budget", "0.5")]
    [DataRow("--sensitivity", "accuracy")]
    [DataRow("--layer-samples", "8")]
    [DataRow("--plot-layer", "/fc1/Gemm")]
    public void Evaluation_flags_without_an_eval_set_are_refused(string flag, string value)
    {
        var result = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", Images, flag, value, "--output", RepoPaths.NewTempDirectory());
        UserErrors.AssertOne(result, flag, "needs --eval-set");
    }

    [TestMethod]
    public void Bad_evaluation_flags_are_named()
    {
        UserErrors.AssertOne(CliRunner.InProcess("eval", "--model", SampleModel, "--quantized", FakeQuant, "--eval-set", EvalImages, "--sensitivity", "kl"),
            "--sensitivity 'kl'", "is not sqnr or accuracy");
        UserErrors.AssertOne(CliRunner.InProcess("eval", "--model", SampleModel, "--quantized", FakeQuant, "--eval-set", EvalImages, "--plot-layer", "/fc1/Gemm"),
            "--plot-layer", "needs --plots");
        UserErrors.AssertOne(CliRunner.InProcess("eval", "--model", SampleModel, "--quantized", SampleModel, "--eval-set", EvalImages),
            SampleModel, "has no quantized layer");
    }
}
