using Calib.Cli.Infrastructure;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Infrastructure;

[TestClass]
public sealed class DeviceOptionTests
{
    [TestMethod]
    [DataRow("cpu", ExecutionDevice.Cpu, 0)]
    [DataRow("cuda", ExecutionDevice.Cuda, 0)]
    [DataRow("cuda:0", ExecutionDevice.Cuda, 0)]
    [DataRow("cuda:1", ExecutionDevice.Cuda, 1)]
    [DataRow("CUDA:12", ExecutionDevice.Cuda, 12)]
    [DataRow("gpu:3", ExecutionDevice.Cuda, 3)]
    public void Devices_and_ordinals_are_read(string text, ExecutionDevice device, int ordinal)
    {
        Assert.AreEqual((device, ordinal), CommonOptions.ParseDevice(text));
    }

    [TestMethod]
    [DataRow("cuda:")]
    [DataRow("cuda:-1")]
    [DataRow("cuda:x")]
    [DataRow("cuda:1.5")]
    [DataRow("cuda:99999")]
    public void A_bad_cuda_ordinal_is_named(string text)
    {
        var e = Assert.ThrowsExactly<CalibException>(() => CommonOptions.ParseDevice(text));
        StringAssert.Contains(e.Message, $"--device '{text}'");
        StringAssert.Contains(e.Message, "not a CUDA device number");
        StringAssert.Contains(e.Message, "cuda:N");
    }

    [TestMethod]
    [DataRow("tpu")]
    [DataRow("cpu:0")]
    [DataRow("")]
    public void An_unknown_device_lists_the_choices(string text)
    {
        var e = Assert.ThrowsExactly<CalibException>(() => CommonOptions.ParseDevice(text));
        StringAssert.Contains(e.Message, $"--device '{text}' is not cpu, cuda or cuda:N");
    }

    [TestMethod]
    public void A_bad_device_stops_the_command_before_it_writes_anything()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = CliRunner.InProcess("run", "--model", RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx"),
            "--calib-set", RepoPaths.InRepo("calibration-data", "fmnist"), "--batch-num", "1", "--device", "cuda:one", "--output", output);

        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        Assert.AreEqual("calib: error: --device 'cuda:one': 'one' is not a CUDA device number; write cuda:N with N = 0, 1, … as nvidia-smi lists the GPUs.",
            result.Error.Trim());
        Assert.AreEqual(0, Directory.GetFileSystemEntries(output).Length);
    }

    [TestMethod]
    public void Eval_checks_the_device_before_it_reads_the_evaluation_set()
    {
        var result = CliRunner.InProcess("eval", "--model", RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx"),
            "--quantized", RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx"), "--eval-set", "/no/such/set", "--device", "cuda:0");

        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.Contains(result.Error, "--device cuda needs calib's CUDA flavour");
    }
}
