using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary>Bad input gives one clear line naming the file, exit code 1, and no stack trace.</summary>
[TestClass]
public sealed class BadInputTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");

    [TestMethod]
    public void A_missing_model_file()
    {
        UserErrors.AssertOneAndNothingElse(CliRunner.InProcess("inspect", "--model", "/nowhere/net.onnx"), "/nowhere/net.onnx", "does not exist");
    }

    [TestMethod]
    public void A_file_that_is_not_onnx()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "deploy.prototxt");
        File.WriteAllText(path, "name: \"LeNet\"\nlayer { name: \"conv1\" type: \"Convolution\" }\n");
        UserErrors.AssertOneAndNothingElse(CliRunner.InProcess("inspect", "--model", path), path, "not");
    }

    [TestMethod]
    public void A_truncated_onnx_file()
    {
        var bytes = File.ReadAllBytes(SampleModel);
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
        UserErrors.AssertOneAndNothingElse(CliRunner.InProcess("inspect", "--model", path), path, "truncated");
    }

    [TestMethod]
    public void The_real_executable_reports_without_a_stack_trace()
    {
        UserErrors.AssertOneAndNothingElse(CliRunner.AsProcess("inspect", "--model", "missing.onnx"), "missing.onnx", "does not exist");
    }

    [TestMethod]
    public void A_missing_required_option_is_a_usage_error()
    {
        var result = CliRunner.InProcess("inspect");
        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.Error, "--model");
    }
}
