using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary>
/// Every ONNX model calib writes on the sample — run's fake-quant and deploy models, the retrain export,
/// the retrain import's outputs, Ristretto's simulation — carries no initializer that nothing reads.
/// </summary>
[TestClass]
public sealed class WrittenModelsTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");
    private static readonly string EvalImages = RepoPaths.InRepo("calibration-data", "fmnist-eval");
    private static readonly string[] Normalization = ["--mean", "0.2860", "--std", "0.3530"];

    [TestMethod]
    public void No_written_model_has_an_unused_initializer()
    {
        var root = RepoPaths.NewTempDirectory();
        var calibration = new[] { "--calib-set", Images, "--batch-num", "2", "--batch-size", "16" };
        Succeeds("run", ["--model", SampleModel, .. calibration, .. Normalization, "-o", Path.Combine(root, "run")]);
        Succeeds("retrain", ["export", "--model", SampleModel, .. calibration, .. Normalization, "-o", Path.Combine(root, "export")]);
        Succeeds("retrain", ["import", "--model", Path.Combine(root, "export", "fmnist_resnet_retrain.onnx"), "-o", Path.Combine(root, "import"),
            "--ranges", Path.Combine(root, "export", "fmnist_resnet_retrain_config.json")]);
        foreach (var mode in new[] { "dynamic_fixed_point", "minifloat", "integer_power_of_2_weights" })
            Succeeds("ristretto", ["quantize", "--model", SampleModel, "--model-quantized", Path.Combine(root, "ristretto", $"{mode}.json"),
                "--trimming-mode", mode, "--iterations", "1", "--eval-set", EvalImages, .. Normalization]);

        var files = WrittenModels.AssertNoUnusedInitializers(root).Select(Path.GetFileName).ToList();

        CollectionAssert.IsSubsetOf(new[]
        {
            "fmnist_resnet_fake_quant.onnx", "fmnist_resnet_deploy.onnx", "fmnist_resnet_retrain.onnx",
            "fmnist_resnet_retrain_fake_quant.onnx", "fmnist_resnet_retrain_deploy.onnx", "minifloat_simulation.onnx",
            "dynamic_fixed_point_simulation.onnx", "integer_power_of_2_weights_simulation.onnx",
        }, files, string.Join(", ", files));
    }

    private static void Succeeds(string command, string[] args)
    {
        var result = CliRunner.InProcess([command, .. args]);
        Assert.AreEqual(0, result.ExitCode, $"{command} {string.Join(" ", args)}\n{result.Error}");
    }
}
