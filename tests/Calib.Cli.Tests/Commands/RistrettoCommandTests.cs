using System.Text.Json;
using Calib.Graph.Caffe.Proto;
using Calib.Graph.TextFormat;
using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary>calib ristretto quantize: the sample ONNX model on its labelled images, Ristretto's LeNet, and bad input.</summary>
[TestClass]
public sealed class RistrettoCommandTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string SampleEvalSet = RepoPaths.InRepo("calibration-data", "fmnist-eval");

    [TestMethod]
    public void An_onnx_model_gets_the_parameters_as_json_and_a_simulation_model()
    {
        var directory = RepoPaths.NewTempDirectory();
        var json = Path.Combine(directory, "fmnist_ristretto.json");
        var result = CliRunner.InProcess("ristretto", "quantize", "--model", SampleModel, "--model-quantized", json,
            "--trimming-mode", "integer_power_of_2_weights", "--iterations", "5", "--batch-size", "100",
            "--eval-set", SampleEvalSet, "--mean", "0.2860", "--std", "0.3530");
        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "Integer-power-of-two weights");
        StringAssert.Contains(result.Output, "Scored 500 images per network");
        var layers = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.HasCount(6, layers);
        var first = layers[0].GetProperty("quantization_param");
        Assert.AreEqual("INTEGER_POWER_OF_2_WEIGHTS", first.GetProperty("precision").GetString());
        Assert.AreEqual(-8, first.GetProperty("exp_min").GetInt32());
        Assert.AreEqual(8, first.GetProperty("bw_layer_out").GetInt32());
        Assert.IsTrue(File.Exists(Path.Combine(directory, "fmnist_ristretto_simulation.onnx")));
    }

    [TestMethod]
    [TestCategory(Categories.RealModel)]
    public void Ristrettos_lenet_example_prints_its_analysis_and_writes_the_prototxt()
    {
        var directory = RepoPaths.NewTempDirectory();
        var prototxt = Path.Combine(directory, "quantized.prototxt");
        var lenet = RepoPaths.SharedData("caffe", "lenet-mnist");
        var result = CliRunner.InProcess("ristretto", "quantize",
            "--model", Path.Combine(lenet, "lenet_train_test.prototxt"), "--weights", Path.Combine(lenet, "lenet_iter_10000.caffemodel"),
            "--model-quantized", prototxt, "--trimming-mode", "dynamic_fixed_point", "--error-margin", "1",
            "--iterations", "100", "--eval-set", RepoPaths.SharedData("mnist"));
        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "Baseline 32bit float: 0.9914");
        StringAssert.Contains(result.Output, "Dynamic fixed point layer\nactivations:\n16bit: \t0.9914");
        var net = TextFormatReader.Parse<NetParameter>(File.ReadAllText(prototxt), prototxt);
        CollectionAssert.AreEqual(
            new[] { "ConvolutionRistretto", "ConvolutionRistretto", "FcRistretto", "FcRistretto" },
            net.Layer.Where(l => l.QuantizationParam is not null).Select(l => l.Type).ToArray());
    }

    [TestMethod]
    public void An_unknown_trimming_mode_is_one_line()
    {
        var result = CliRunner.InProcess("ristretto", "quantize", "--model", SampleModel, "--model-quantized", "q.json",
            "--trimming-mode", "fixed_point", "--eval-set", SampleEvalSet);
        UserErrors.AssertOne(result, "--trimming-mode 'fixed_point' is not a Ristretto trimming mode");
    }

    [TestMethod]
    public void A_missing_eval_set_option_is_one_line()
    {
        var result = CliRunner.InProcess("ristretto", "quantize", "--model", SampleModel, "--model-quantized", "q.json",
            "--trimming-mode", "minifloat");
        UserErrors.AssertOne(result, "--eval-set is required");
    }

    [TestMethod]
    public void An_eval_set_that_does_not_exist_is_named()
    {
        var result = CliRunner.InProcess("ristretto", "quantize", "--model", SampleModel, "--model-quantized", Path.Combine(RepoPaths.NewTempDirectory(), "q.json"),
            "--trimming-mode", "minifloat", "--eval-set", "no-such-folder");
        UserErrors.AssertOne(result, "Evaluation set 'no-such-folder' does not exist");
    }

    [TestMethod]
    public void An_eval_set_smaller_than_the_iterations_need_is_one_line()
    {
        var result = CliRunner.InProcess("ristretto", "quantize", "--model", SampleModel, "--model-quantized", Path.Combine(RepoPaths.NewTempDirectory(), "q.json"),
            "--trimming-mode", "dynamic_fixed_point", "--iterations", "6", "--eval-set", SampleEvalSet);
        UserErrors.AssertOne(result, "has 500 samples; --iterations 6 × --batch-size 100 needs 600");
    }
}
