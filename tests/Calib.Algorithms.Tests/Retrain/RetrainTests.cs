using System.Text.Json;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Retrain;
using Calib.Algorithms.Tests.Calibration;
using Calib.Graph;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Retrain;

[TestClass]
public sealed class RetrainTests
{
    private static string _export = "";
    private static string _ptq = "";

    [ClassInitialize]
    public static void ExportAndCalibrate(TestContext _)
    {
        _export = RepoPaths.NewTempDirectory();
        RetrainExport.Execute(SampleRuns.Request(_export));
        _ptq = RepoPaths.NewTempDirectory();
        CalibrationRun.Execute(SampleRuns.Request(_ptq));
    }

    [TestMethod]
    public void Export_writes_a_qat_model_and_per_layer_ranges_keyed_by_layer_name()
    {
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_export, "fmnist_resnet_retrain_config.json"))).RootElement;
        var conv1 = config.GetProperty("layers").GetProperty("/conv1/Conv");
        Assert.AreEqual("conv1.weight", conv1.GetProperty("weight").GetString(), "weights keep their state_dict keys");
        Assert.AreEqual("input", conv1.GetProperty("input").GetString());
        Assert.IsTrue(conv1.GetProperty("weight_quant").GetProperty("channel_wise").GetBoolean());
        Assert.AreEqual(16, conv1.GetProperty("weight_quant").GetProperty("scale_w").GetArrayLength());
        Assert.IsTrue(conv1.GetProperty("activation").GetProperty("clip_max").GetDouble() > 0);
        Assert.IsTrue(config.GetProperty("tensors").EnumerateObject().Count() >= 7, "every deploy tensor has a starting range");

        var model = OnnxModelFile.Load(Path.Combine(_export, "fmnist_resnet_retrain.onnx"));
        Assert.AreEqual(7, model.Graph.Nodes.Count(n => n.OpType == "DequantizeLinear" && model.Graph.ConsumersOf(n.Outputs[0]).Any(c => c.Inputs[0] == n.Outputs[0] && c.OpType != "DequantizeLinear")));
    }

    [TestMethod]
    public void Importing_a_qdq_model_keeps_every_scale_bit_for_bit_and_matches_ptq_accuracy()
    {
        // calib's own fake-quant model is a QDQ model like a PyTorch QAT export.
        var qdqPath = Path.Combine(_ptq, "fmnist_resnet_fake_quant.onnx");
        var output = RepoPaths.NewTempDirectory();
        var outcome = RetrainImport.Execute(new RetrainImportRequest
        {
            ModelPath = qdqPath, OutputDirectory = output, CalibrationSet = SampleRuns.CalibrationImages,
            BatchSize = 32, Preprocessing = SampleRuns.FashionMnist, EvalSet = SampleRuns.EvalImages,
        });
        // calib's own suffix is not doubled: fmnist_resnet_fake_quant.onnx gives fmnist_resnet_deploy.onnx.
        var report = File.ReadAllText(Path.Combine(output, "fmnist_resnet_accuracy.csv"));
        Assert.AreEqual(1 + 7, report.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, "the accuracy report has a row per quantized layer");

        var qdq = OnnxModelFile.Load(qdqPath).Graph;
        var scales = qdq.Nodes.Where(n => n.OpType == "QuantizeLinear")
            .ToDictionary(n => n.Inputs[0], n => TensorData.ReadFloats(qdq.Initializers[n.Inputs[1]]));
        Assert.AreEqual(7, outcome.Result.Layers.Count);
        foreach (var layer in outcome.Result.Layers)
        {
            Assert.AreEqual(scales[layer.Layer.Input][0], layer.Input.Params.Scale, layer.Layer.Name);
            if (layer.Weights is { } weights) CollectionAssert.AreEqual(scales[layer.Layer.Weight!], weights.Scales, layer.Layer.Name);
        }
        var ptq = SampleRuns.Top1(Path.Combine(_ptq, "fmnist_resnet_deploy.onnx"), SampleRuns.EvalImages);
        var imported = SampleRuns.Top1(Path.Combine(output, "fmnist_resnet_deploy.onnx"), SampleRuns.EvalImages);
        Assert.IsTrue(imported >= ptq - 0.2, $"imported deploy {imported} vs PTQ deploy {ptq}");
    }

    [TestMethod]
    public void A_float_model_is_not_a_fine_tuned_model()
    {
        var e = Assert.ThrowsExactly<CalibException>(() => RetrainImport.Execute(new RetrainImportRequest
        {
            ModelPath = SampleRuns.SampleModel, OutputDirectory = RepoPaths.NewTempDirectory(),
        }));
        StringAssert.Contains(e.Message, "no QuantizeLinear/DequantizeLinear pair");
    }

    [TestMethod]
    public void Without_images_or_ranges_the_missing_deploy_tensors_are_named()
    {
        var e = Assert.ThrowsExactly<CalibException>(() => RetrainImport.Execute(new RetrainImportRequest
        {
            ModelPath = Path.Combine(_ptq, "fmnist_resnet_fake_quant.onnx"), OutputDirectory = RepoPaths.NewTempDirectory(),
        }));
        StringAssert.Contains(e.Message, "--calib-set");
        StringAssert.Contains(e.Message, "--ranges");
    }

    [TestMethod]
    public void Ranges_from_the_export_fill_the_deploy_tensors()
    {
        var output = RepoPaths.NewTempDirectory();
        RetrainImport.Execute(new RetrainImportRequest
        {
            ModelPath = Path.Combine(_export, "fmnist_resnet_retrain.onnx"), OutputDirectory = output,
            RangesPath = Path.Combine(_export, "fmnist_resnet_retrain_config.json"), EvalSet = SampleRuns.EvalImages,
        });
        // No preprocessing was given: the report is right only if the export's preprocessing was used.
        var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "fmnist_resnet_retrain_accuracy.json"))).RootElement;
        Assert.AreEqual(92.4, summary.GetProperty("float").GetProperty("top1").GetDouble(), 1e-9, "float top-1 with the exported preprocessing");
        var ptq = SampleRuns.Top1(Path.Combine(_ptq, "fmnist_resnet_deploy.onnx"), SampleRuns.EvalImages);
        var imported = SampleRuns.Top1(Path.Combine(output, "fmnist_resnet_retrain_deploy.onnx"), SampleRuns.EvalImages);
        Assert.AreEqual(ptq, imported, "the export's own ranges reproduce the PTQ deploy model");
    }
}
