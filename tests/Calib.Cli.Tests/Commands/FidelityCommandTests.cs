using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary><c>calib run</c>'s fidelity figures, --no-fidelity and --min-cosine / --min-sqnr on the command line.</summary>
[TestClass]
public sealed class FidelityCommandTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");

    private static CliRunner.Outcome Run(string output, params string[] extra) => CliRunner.InProcess(
        ["run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "4", "--batch-size", "32", "--mean", "0.2860", "--std", "0.3530",
            "--output", output, .. extra]);

    [TestMethod]
    public void Run_prints_the_fidelity_of_each_model_output()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = Run(output);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "Fidelity against float on 64 held-out images");
        StringAssert.Contains(result.Output, "fake-quant");
        StringAssert.Contains(result.Output, "deploy");
        StringAssert.Contains(result.Output, "0.999");
        StringAssert.Contains(result.Output, "fmnist_resnet_fidelity.csv");
        Assert.IsTrue(File.Exists(Path.Combine(output, "fmnist_resnet_fidelity.json")));
    }

    [TestMethod]
    public void No_fidelity_skips_the_figures_and_their_files()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = Run(output, "--no-fidelity");

        Assert.AreEqual(0, result.ExitCode, result.Error);
        Assert.IsFalse(result.Output.Contains("Fidelity against float"), result.Output);
        Assert.AreEqual(0, Directory.GetFiles(output, "*fidelity*").Length);
    }

    [TestMethod]
    public void Bias_correction_prints_its_trial_and_is_forced_or_skipped_by_its_flags()
    {
        var auto = Run(RepoPaths.NewTempDirectory());
        var forced = Run(RepoPaths.NewTempDirectory(), "--act-algo", "ifmr", "--bias-correction");
        var skipped = Run(RepoPaths.NewTempDirectory(), "--no-bias-correction");

        Assert.AreEqual(0, auto.ExitCode + forced.ExitCode + skipped.ExitCode, auto.Error + forced.Error + skipped.Error);
        StringAssert.Contains(auto.Output, "on 6 layers (worst output SQNR");
        StringAssert.Contains(forced.Output, "Bias correction: applied on 6 layers");
        Assert.IsFalse(skipped.Output.Contains("Bias correction"), skipped.Output);
    }

    [TestMethod]
    public void Equalize_prints_the_pairs_it_rescaled_and_writes_the_equalized_models()
    {
        var output = RepoPaths.NewTempDirectory();
        var equalized = Run(output, "--equalize");
        var plain = Run(RepoPaths.NewTempDirectory());

        Assert.AreEqual(0, equalized.ExitCode + plain.ExitCode, equalized.Error + plain.Error);
        StringAssert.Contains(equalized.Output, "Cross-layer equalization: rescaled the weights of 2 layer pairs per channel");
        Assert.IsFalse(plain.Output.Contains("Cross-layer equalization"), plain.Output);
        foreach (var kind in new[] { "fake_quant", "deploy" })
            Assert.IsTrue(File.Exists(Path.Combine(output, $"fmnist_resnet_{kind}.onnx")), kind);
        StringAssert.Contains(equalized.Output, "Fidelity against float on 64 held-out images");
    }

    [TestMethod]
    public void Bias_correction_flags_that_contradict_are_refused()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = Run(output, "--bias-correction", "--no-bias-correction");
        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.Contains(result.Error, "--bias-correction and --no-bias-correction contradict each other");
        Assert.AreEqual(0, Directory.GetFiles(output).Length);
    }

    [TestMethod]
    public void No_fidelity_with_a_target_is_refused()
    {
        var result = Run(RepoPaths.NewTempDirectory(), "--no-fidelity", "--min-cosine", "0.99");
        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.Contains(result.Error, "--min-cosine needs the fidelity check");
    }

    [TestMethod]
    public void An_unreachable_target_prints_one_error_line_and_writes_nothing()
    {
        var output = RepoPaths.NewTempDirectory();
        var result = Run(output, "--min-sqnr", "200");

        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.StartsWith(result.Error, "calib: error: The fidelity target (output SQNR ≥ 200 dB) cannot be met");
        StringAssert.Contains(result.Output, "fidelity target step 6: kept");
        Assert.AreEqual(0, Directory.GetFiles(output).Length);
    }

    [TestMethod]
    public void A_met_target_says_which_layers_stayed_in_float()
    {
        var result = Run(RepoPaths.NewTempDirectory(), "--min-sqnr", "46");

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "in float to reach output SQNR ≥ 46 dB");
        StringAssert.Contains(result.Output, "fidelity target step 1: kept");
    }
}
