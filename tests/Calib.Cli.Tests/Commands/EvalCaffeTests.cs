using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary>calib eval takes a Caffe float model (with its own preprocessing) like calib run does.</summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class EvalCaffeTests
{
    [TestMethod]
    public void A_caffe_float_model_is_evaluated_against_its_quantized_model()
    {
        var prototxt = RepoPaths.SharedData("caffe", "lenet-mnist", "lenet_train_test.prototxt");
        var weights = RepoPaths.SharedData("caffe", "lenet-mnist", "lenet_iter_10000.caffemodel");
        var output = RepoPaths.NewTempDirectory();
        var run = CliRunner.InProcess("run", "--model", prototxt, "--weights", weights, "--calib-set", RepoPaths.InRepo("calibration-data", "fmnist"),
            "--batch-num", "2", "--batch-size", "8", "-o", output);
        Assert.AreEqual(0, run.ExitCode, run.Error);

        var eval = CliRunner.InProcess("eval", "--model", prototxt, "--weights", weights,
            "--quantized", Path.Combine(output, "lenet_train_test_fake_quant.onnx"), "--eval-set", RepoPaths.SharedData("mnist"), "--limit", "500");

        Assert.AreEqual(0, eval.ExitCode, eval.Error);
        // LeNet is 99 % accurate on MNIST with its own 1/256 input scale; a wrong preprocessing would not be.
        StringAssert.Matches(eval.Output, new System.Text.RegularExpressions.Regex(@"lenet_train_test\.prototxt\s*│ 9[89]\.\d\d %"));
    }
}
