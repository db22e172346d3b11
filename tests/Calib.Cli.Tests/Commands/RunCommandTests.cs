using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

[TestClass]
public sealed class RunCommandTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");

    [TestMethod]
    public void Run_writes_the_outputs_and_prints_a_summary()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "4", "--batch-size", "8",
            "--mean", "0.2860", "--std", "0.3530", "--output", output);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "calibration batch 4/4");
        StringAssert.Contains(result.Output, "/block_conv1/Conv");
        StringAssert.Contains(result.Output, "Quantized 7 layers from 32 images");
        Assert.IsTrue(File.Exists(Path.Combine(output, "fmnist_resnet_deploy.onnx")));
    }

    [TestMethod]
    public void Too_few_images_says_how_many_are_needed_and_found()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "10", "--batch-size", "64", "--output", output);

        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.Contains(result.Error, "640");
        StringAssert.Contains(result.Error, "256");
        Assert.AreEqual(0, Directory.GetFiles(output).Length);
    }

    [TestMethod]
    public void An_unknown_algorithm_is_named()
    {
        var result = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", Images, "--act-algo", "kl");
        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.Contains(result.Error, "--act-algo 'kl'");
    }

    [TestMethod]
    public void Cuda_on_the_cpu_build_names_the_cuda_package_and_writes_nothing()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "1", "--device", "cuda:1",
            "--output", output);
        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.Contains(result.Error, "calib: error: --device cuda needs calib's CUDA flavour");
        StringAssert.Contains(result.Error, "Calib.Gpu");
        Assert.AreEqual(1, result.Error.Trim().Split('\n').Length, result.Error);
        Assert.AreEqual(0, Directory.GetFileSystemEntries(output).Length);
        Assert.IsFalse(result.Output.Contains("calibration batch"), "the device is checked before calibration starts");
    }

    [TestMethod]
    public void A_missing_calibration_folder_is_named()
    {
        var result = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", "/no/images", "--output", RepoPaths.NewTempDirectory());
        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.Contains(result.Error, "/no/images");
    }
}
