using System.Text.Json;
using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

[TestClass]
public sealed class ConfigCommandTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string ExampleCfg = RepoPaths.InRepo("docs", "examples", "fmnist_resnet.cfg");

    [TestMethod]
    public void Init_lists_every_quantizable_layer()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "quant.json");
        var result = CliRunner.InProcess("config", "init", "--model", SampleModel, "-o", path);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        var layers = JsonDocument.Parse(File.ReadAllText(path)).RootElement.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.Object).Select(p => p.Name).ToList();
        CollectionAssert.AreEqual(new[] { "/conv1/Conv", "/block_conv1/Conv", "/block_conv2/Conv", "/conv3/Conv", "/pool2/AveragePool", "/fc1/Gemm", "/fc2/Gemm" }, layers);
    }

    [TestMethod]
    public void The_documented_example_cfg_expands_and_runs()
    {
        var directory = RepoPaths.NewTempDirectory();
        var json = Path.Combine(directory, "quant.json");
        Assert.AreEqual(0, CliRunner.InProcess("config", "init", "--model", SampleModel, "--simple-config", ExampleCfg, "-o", json).ExitCode);
        var conv1 = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("/conv1/Conv");
        Assert.IsFalse(conv1.GetProperty("quant_enable").GetBoolean());

        var run = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", RepoPaths.InRepo("calibration-data", "fmnist"),
            "--mean", "0.2860", "--std", "0.3530", "--config", ExampleCfg, "--batch-num", "2", "--output", Path.Combine(directory, "out"));
        Assert.AreEqual(0, run.ExitCode, run.Error);
        StringAssert.Contains(run.Output, "Quantized 6 layers (1 skipped by config)");
    }

    [TestMethod]
    public void Inspect_marks_layers_the_config_skips()
    {
        var result = CliRunner.InProcess("inspect", "--model", SampleModel, "--config", ExampleCfg);
        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex(@"/conv1/Conv .*│ no .*│ skipped by config"));
    }

    [TestMethod]
    public void A_malformed_cfg_fails_with_line_and_column()
    {
        var cfg = Path.Combine(RepoPaths.NewTempDirectory(), "bad.cfg");
        File.WriteAllText(cfg, "batch_num: 2\ncommon_config {\n  ifmr_quantize { search_step 0.1 }\n}\n");
        var result = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", RepoPaths.InRepo("calibration-data", "fmnist"), "--config", cfg);
        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.Contains(result.Error, $"{cfg}:3:31: expected ':' after 'search_step'");
    }
}
