using System.Text.Json;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Graph;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Calibration;

/// <summary>End to end on the sample model: every output, accuracy, integer kernels, size, determinism.</summary>
[TestClass]
public sealed class CalibrationRunTests
{
    private static string _output = "";
    private static CalibrationOutcome _outcome = null!;

    private static string Output(string suffix) => Path.Combine(_output, $"fmnist_resnet_{suffix}");

    [ClassInitialize]
    public static void CalibrateOnce(TestContext _)
    {
        _output = RepoPaths.NewTempDirectory();
        _outcome = CalibrationRun.Execute(SampleRuns.Request(_output));
    }

    [TestMethod]
    public void Every_output_is_written()
    {
        foreach (var suffix in new[] { "fake_quant.onnx", "deploy.onnx", "record.txt", "record.json", "quant_config.json", "calibration.csv", "fidelity.csv", "fidelity.json" })
            Assert.IsTrue(File.Exists(Output(suffix)), suffix);
        Assert.AreEqual(8, Directory.GetFiles(_output).Length, "the fidelity report too, and no temporary files are left");
        Assert.AreEqual(256, _outcome.Samples);
    }

    [TestMethod]
    public void The_record_counts_the_images_under_samples_the_one_key_for_any_data()
    {
        using var record = JsonDocument.Parse(File.ReadAllText(Output("record.json")));

        Assert.AreEqual(256, record.RootElement.GetProperty("samples").GetInt64());
        Assert.IsFalse(record.RootElement.TryGetProperty("images", out _), "no second name for the count when the samples are images");
    }

    [TestMethod]
    public void Quantized_models_stay_within_half_a_point_of_the_float_model()
    {
        var reference = SampleRuns.Top1(SampleRuns.SampleModel, SampleRuns.EvalImages);
        var fakeQuant = SampleRuns.Top1(Output("fake_quant.onnx"), SampleRuns.EvalImages);
        var deploy = SampleRuns.Top1(Output("deploy.onnx"), SampleRuns.EvalImages);
        Assert.IsTrue(reference > 85, $"float top-1 {reference}");
        Assert.IsTrue(Math.Abs(reference - fakeQuant) <= 0.5, $"float {reference} vs fake-quant {fakeQuant}");
        Assert.IsTrue(Math.Abs(reference - deploy) <= 0.5, $"float {reference} vs deploy {deploy}");
    }

    [TestMethod]
    public void Onnx_runtime_runs_every_conv_and_gemm_of_the_deploy_model_as_an_integer_kernel()
    {
        var ops = OptimizedGraph.Of(Output("deploy.onnx")).Nodes.Select(n => n.OpType).ToList();

        CollectionAssert.DoesNotContain(ops, "Conv");
        CollectionAssert.DoesNotContain(ops, "FusedConv");
        CollectionAssert.DoesNotContain(ops, "Gemm");
        Assert.AreEqual(4, ops.Count(op => op == "QLinearConv"), string.Join(",", ops));
        Assert.AreEqual(2, ops.Count(op => op == "QGemm"), string.Join(",", ops));
        Assert.AreEqual(1, ops.Count(op => op == "QLinearAdd"), string.Join(",", ops));
        // The logits stay float (an output head): the last QGemm writes them in float, with no dequantization after it.
        Assert.AreEqual(0, ops.Count(op => op == "DequantizeLinear"), string.Join(",", ops));
    }

    [TestMethod]
    public void The_deploy_model_is_at_most_035_of_the_float_size_with_int8_weights_and_int32_biases()
    {
        var ratio = (double)new FileInfo(Output("deploy.onnx")).Length / new FileInfo(SampleRuns.SampleModel).Length;
        Assert.IsTrue(ratio <= 0.35, $"deploy/float size {ratio:F3}");
        var initializers = OnnxModelFile.Load(Output("deploy.onnx")).Graph.Initializers.Values.ToList();
        Assert.AreEqual(6, initializers.Count(t => t.DataType == (int)Graph.Onnx.Proto.TensorProto.Types.DataType.Int8 && t.Dims.Count >= 2));
        Assert.AreEqual(6, initializers.Count(t => t.DataType == (int)Graph.Onnx.Proto.TensorProto.Types.DataType.Int32 && t.Name.EndsWith("_quantized")),
            "every bias (BatchNorm folding gives each conv one) is int32");
        Assert.IsFalse(initializers.Any(t => t.DataType == (int)Graph.Onnx.Proto.TensorProto.Types.DataType.Float && t.Dims.Count >= 2),
            "no float weight matrices remain");
    }

    [TestMethod]
    public void The_record_holds_the_scales_used_in_the_fake_quant_graph_exactly()
    {
        var graph = OnnxModelFile.Load(Output("fake_quant.onnx")).Graph;
        var record = File.ReadAllText(Output("record.txt"));
        foreach (var layer in _outcome.Result.Layers)
        {
            var node = graph.Nodes.Single(n => n.Name == layer.Layer.Name);
            var dequantize = graph.ProducerOf(node.Inputs[0])!;
            Assert.AreEqual("DequantizeLinear", dequantize.OpType);
            var scale = TensorData.ReadFloats(graph.Initializers[dequantize.Inputs[1]])[0];
            var zeroPoint = TensorData.ReadInt64s(graph.Initializers[dequantize.Inputs[2]])[0];
            Assert.AreEqual(layer.Input.Params.Scale, scale);
            StringAssert.Contains(record, $"key: \"{layer.Layer.Name}\"\n  value {{\n    scale_d: {Graph.TextFormat.TextFormatWriter.FloatText(scale)}\n    offset_d: {-zeroPoint}\n");
        }
    }

    [TestMethod]
    [TestCategory(Categories.RealModel)]
    [DataRow("fake_quant.onnx")]
    [DataRow("deploy.onnx")]
    public void Both_quantized_models_pass_the_onnx_checker(string suffix)
    {
        Assert.IsNull(OnnxChecker.Check(Output(suffix)));
    }

    [TestMethod]
    public void Running_twice_gives_byte_identical_outputs()
    {
        var second = RepoPaths.NewTempDirectory();
        CalibrationRun.Execute(SampleRuns.Request(second));
        foreach (var file in Directory.GetFiles(_output))
            CollectionAssert.AreEqual(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(second, Path.GetFileName(file))), Path.GetFileName(file));
    }

    [TestMethod]
    public void A_failed_run_leaves_the_previous_outputs_untouched()
    {
        var directory = RepoPaths.NewTempDirectory();
        CalibrationRun.Execute(SampleRuns.Request(directory, batchNum: 2, batchSize: 4));
        var before = Directory.GetFiles(directory).ToDictionary(f => f, File.ReadAllBytes);

        var e = Assert.ThrowsExactly<CalibException>(() => CalibrationRun.Execute(SampleRuns.Request(directory, batchNum: 100, batchSize: 32)));

        StringAssert.Contains(e.Message, "3200");
        StringAssert.Contains(e.Message, "256");
        CollectionAssert.AreEquivalent(before.Keys.ToList(), Directory.GetFiles(directory).ToList());
        foreach (var (file, bytes) in before) CollectionAssert.AreEqual(bytes, File.ReadAllBytes(file));
    }
}
