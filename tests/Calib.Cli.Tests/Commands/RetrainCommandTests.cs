using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

[TestClass]
public sealed class RetrainCommandTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");

    [TestMethod]
    public void Export_then_import_round_trips_through_the_command_line()
    {
        var directory = RepoPaths.NewTempDirectory();
        var export = CliRunner.InProcess("retrain", "export", "--model", SampleModel, "--calib-set", RepoPaths.InRepo("calibration-data", "fmnist"),
            "--batch-num", "2", "--batch-size", "16", "--mean", "0.2860", "--std", "0.3530", "-o", directory);
        Assert.AreEqual(0, export.ExitCode, export.Error);
        StringAssert.Contains(export.Output, "fmnist_resnet_retrain_config.json");

        var import = CliRunner.InProcess("retrain", "import", "--model", Path.Combine(directory, "fmnist_resnet_retrain.onnx"),
            "--ranges", Path.Combine(directory, "fmnist_resnet_retrain_config.json"), "-o", Path.Combine(directory, "imported"));
        Assert.AreEqual(0, import.ExitCode, import.Error);
        StringAssert.Contains(import.Output, "Quantized 7 layers from the model's learned quantization");
        Assert.IsTrue(File.Exists(Path.Combine(directory, "imported", "fmnist_resnet_retrain_deploy.onnx")));
    }

    [TestMethod]
    public void Export_refuses_equalized_weights_that_fine_tuning_would_not_start_from()
    {
        var directory = RepoPaths.NewTempDirectory();
        var export = CliRunner.InProcess("retrain", "export", "--model", SampleModel, "--calib-set", RepoPaths.InRepo("calibration-data", "fmnist"),
            "--batch-num", "1", "--batch-size", "8", "--mean", "0.2860", "--std", "0.3530", "--equalize", "-o", directory);

        UserErrors.AssertOne(export, "--equalize is for 'calib run'", "Drop --equalize.");
        Assert.IsEmpty(Directory.GetFiles(directory), "nothing written");
    }

    [TestMethod]
    public void Importing_a_float_model_says_it_is_not_fine_tuned()
    {
        var result = CliRunner.InProcess("retrain", "import", "--model", SampleModel, "-o", RepoPaths.NewTempDirectory());
        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.Contains(result.Error, "not a fine-tuned QDQ model");
    }
}
