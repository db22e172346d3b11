using System.Text.Json;
using System.Text.Json.Nodes;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Retrain;
using Calib.Algorithms.Tests.Calibration;
using Calib.Graph;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Retrain;

/// <summary>
/// <c>retrain import --ranges</c> on a fine-tuned model whose tensors and nodes no longer carry the
/// export's names (as after PyTorch's BatchNorm folding, Sequential wrappers and its exporter): the
/// ranges are found by the node that produces each tensor, by name or by position.
/// </summary>
[TestClass]
public sealed class RangeMatchingTests
{
    private static string _export = "";
    private static string _sameNames = "";

    [ClassInitialize]
    public static void ExportAndCalibrate(TestContext _)
    {
        _export = RepoPaths.NewTempDirectory();
        RetrainExport.Execute(SampleRuns.Request(_export));
        // The export's own QDQ model, where every name still matches: what a renamed copy must give.
        _sameNames = RepoPaths.NewTempDirectory();
        RetrainImport.Execute(new RetrainImportRequest
        {
            ModelPath = Path.Combine(_export, "fmnist_resnet_retrain.onnx"), OutputDirectory = _sameNames, RangesPath = Config,
        });
    }

    private static string Config => Path.Combine(_export, "fmnist_resnet_retrain_config.json");

    [TestMethod]
    public void The_export_names_the_node_behind_each_tensor()
    {
        var tensors = JsonDocument.Parse(File.ReadAllText(Config)).RootElement.GetProperty("tensors");
        // A Conv whose BatchNorm was folded: the tensor keeps the BatchNorm's name, the producer is the Conv.
        var folded = tensors.GetProperty("/block_bn2/BatchNormalization_output_0").GetProperty("producer");
        Assert.AreEqual(("/block_conv2/Conv", "Conv", 2, 4),
            (folded.GetProperty("node").GetString(), folded.GetProperty("op_type").GetString(), folded.GetProperty("index").GetInt32(), folded.GetProperty("count").GetInt32()));
        // A Relu folded into the Add's output range: the producer is the Add.
        Assert.AreEqual("Add", tensors.GetProperty("/block_out_relu/Relu_output_0").GetProperty("producer").GetProperty("op_type").GetString());
        Assert.IsFalse(tensors.GetProperty("input").TryGetProperty("producer", out _), "a graph input has no producer");
    }

    [TestMethod]
    [DataRow(false, DisplayName = "tensors renamed, nodes keep their names")]
    [DataRow(true, DisplayName = "tensors and nodes renamed")]
    public void A_renamed_fine_tuned_model_gets_the_exports_ranges_by_layer(bool renameNodes)
    {
        var model = Path.Combine(RepoPaths.NewTempDirectory(), "renamed.onnx");
        OnnxModelFile.Save(Renamed(OnnxModelFile.Load(Path.Combine(_export, "fmnist_resnet_retrain.onnx")), renameNodes), model);
        var output = RepoPaths.NewTempDirectory();

        RetrainImport.Execute(new RetrainImportRequest { ModelPath = model, OutputDirectory = output, RangesPath = Config });

        // Every deploy scale is the one the names gave: the deploy model is the same, tensor names aside.
        var expected = Path.Combine(_sameNames, "fmnist_resnet_retrain_deploy.onnx");
        CollectionAssert.AreEqual(DeployScales(expected), DeployScales(Path.Combine(output, "renamed_deploy.onnx")));
        Assert.AreEqual(SampleRuns.Top1(expected, SampleRuns.EvalImages),
            SampleRuns.Top1(Path.Combine(output, "renamed_deploy.onnx"), SampleRuns.EvalImages));
    }

    [TestMethod]
    public void A_layer_without_a_range_in_the_export_is_named()
    {
        var model = Path.Combine(RepoPaths.NewTempDirectory(), "renamed.onnx");
        OnnxModelFile.Save(Renamed(OnnxModelFile.Load(Path.Combine(_export, "fmnist_resnet_retrain.onnx")), renameNodes: true), model);
        var config = JsonNode.Parse(File.ReadAllText(Config))!;
        config["tensors"]!.AsObject().Remove("/block_out_relu/Relu_output_0");
        var ranges = Path.Combine(RepoPaths.NewTempDirectory(), "ranges.json");
        File.WriteAllText(ranges, config.ToJsonString());

        var e = Assert.ThrowsExactly<CalibException>(() =>
            RetrainImport.Execute(new RetrainImportRequest { ModelPath = model, OutputDirectory = RepoPaths.NewTempDirectory(), RangesPath = ranges }));
        StringAssert.Contains(e.Message, "the output of Add '/model/node");
        StringAssert.Contains(e.Message, "--calib-set");
    }

    // Every tensor a node writes (graph outputs aside) gets a new name, and with renameNodes every node too.
    private static OnnxModel Renamed(OnnxModel model, bool renameNodes)
    {
        var graph = model.Graph;
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var output in graph.Nodes.SelectMany(n => n.Outputs).Where(o => o.Length > 0 && !graph.IsGraphOutput(o)))
            names[output] = $"/renamed/t{names.Count}";
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            for (var k = 0; k < node.Inputs.Count; k++) node.Inputs[k] = names.GetValueOrDefault(node.Inputs[k], node.Inputs[k]);
            for (var k = 0; k < node.Outputs.Count; k++) node.Outputs[k] = names.GetValueOrDefault(node.Outputs[k], node.Outputs[k]);
            if (renameNodes) node.Name = $"/model/node{i}/{node.OpType}";
        }
        graph.ValueInfos.Clear();
        return model;
    }

    private static float[] DeployScales(string path)
    {
        var graph = OnnxModelFile.Load(path).Graph;
        return graph.Nodes.Where(n => n.OpType == "QuantizeLinear")
            .Select(n => TensorData.ReadFloats(graph.ConstantValue(n.Inputs[1])!)[0]).Order().ToArray();
    }
}
