using System.Text.Json;
using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary><c>calib run</c> times its deploy model against the float model, unless --no-speed.</summary>
[TestClass]
public sealed class RunSpeedTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");

    [TestMethod]
    public void Run_prints_the_speed_up_and_writes_it_with_the_size_ratio()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = Run(output);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        var line = result.Output.Split('\n').SingleOrDefault(l => l.StartsWith("Deploy model: ", StringComparison.Ordinal));
        Assert.IsNotNull(line, result.Output);
        StringAssert.Matches(line, new System.Text.RegularExpressions.Regex(@"\d+\.\d\d× (faster|slower) than float \(.* ms per batch of 8×1×28×28, median of \d+ paired runs"));
        StringAssert.Contains(line, "file 0.");

        var speedFile = Path.Combine(output, "fmnist_resnet_speed.json");
        StringAssert.Contains(result.Output, speedFile, "the file is listed with the others");
        using var json = JsonDocument.Parse(File.ReadAllText(speedFile));
        var root = json.RootElement;
        CollectionAssert.AreEqual(new long[] { 8, 1, 28, 28 }, root.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.IsTrue(root.GetProperty("pairs").GetInt32() >= 5);
        var (floatMs, deployMs) = (root.GetProperty("float_ms").GetDouble(), root.GetProperty("deploy_ms").GetDouble());
        Assert.IsTrue(floatMs > 0 && deployMs > 0);
        // The speed-up is the ratio of the two medians, and the console line says which way it goes.
        var speedUp = root.GetProperty("speed_up").GetDouble();
        Assert.AreEqual(floatMs / deployMs, speedUp, 1e-3 * speedUp, "the file rounds to 4 decimals");
        StringAssert.Contains(result.Output, speedUp >= 1 ? "faster than float" : "slower than float");
        Assert.AreEqual(new FileInfo(Path.Combine(output, "fmnist_resnet_deploy.onnx")).Length, root.GetProperty("deploy_bytes").GetInt64());
        var ratio = root.GetProperty("size_ratio").GetDouble();
        Assert.IsTrue(ratio is > 0.1 and < 0.5, $"deploy/float size {ratio}: int8 weights are about a quarter of float's");
    }

    [TestMethod]
    public void No_speed_skips_the_timing_and_its_file()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = Run(output, "--no-speed");

        Assert.AreEqual(0, result.ExitCode, result.Error);
        Assert.IsFalse(result.Output.Contains("Deploy model: "), result.Output);
        Assert.IsFalse(File.Exists(Path.Combine(output, "fmnist_resnet_speed.json")));
        Assert.IsTrue(File.Exists(Path.Combine(output, "fmnist_resnet_deploy.onnx")));
    }

    [TestMethod]
    public void Symmetric_activations_warn_that_they_cost_speed_on_the_cpu_and_the_default_does_not()
    {
        var symmetric = Run(RepoPaths.NewTempDirectory(), "--no-speed", "--no-fidelity", "--symmetric");
        var asymmetric = Run(RepoPaths.NewTempDirectory(), "--no-speed", "--no-fidelity");

        Assert.AreEqual(0, symmetric.ExitCode, symmetric.Error);
        StringAssert.Contains(symmetric.Output + symmetric.Error, "Symmetric int8 activations (--symmetric, activation_offset: false) run 2–3× slower");
        Assert.IsFalse((asymmetric.Output + asymmetric.Error).Contains("Symmetric int8 activations"), asymmetric.Output);
    }

    private static CliRunner.Outcome Run(string output, params string[] more) =>
        CliRunner.InProcess(["run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "2", "--batch-size", "8",
            "--mean", "0.2860", "--std", "0.3530", "--output", output, .. more]);
}
