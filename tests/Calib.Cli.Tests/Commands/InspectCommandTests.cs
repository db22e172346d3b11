using System.Text.Json;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Cli.Tests.Commands;

[TestClass]
public sealed class InspectCommandTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");

    [TestMethod]
    public void Dilated_conv_and_global_pooling_are_listed_with_their_reasons()
    {
        var path = WriteDilatedModel();
        var result = CliRunner.InProcess("inspect", "--model", path);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "dilation 2 ≠ 1");
        StringAssert.Contains(result.Output, "global pooling is not quantized");
        StringAssert.Contains(result.Output, "1 of 4 nodes quantizable (Gemm 1)");
    }

    [TestMethod]
    public void Json_output_has_a_verdict_per_node()
    {
        var result = CliRunner.InProcess("inspect", "--model", WriteDilatedModel(), "--json");

        Assert.AreEqual(0, result.ExitCode, result.Error);
        Assert.AreEqual("", result.Error, "no warning expected: ONNX Runtime infers every shape");
        var layers = JsonDocument.Parse(result.Output).RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.AreEqual(4, layers.Count);
        var dilated = layers.Single(l => l.GetProperty("name").GetString() == "dilated");
        Assert.IsFalse(dilated.GetProperty("quantizable").GetBoolean());
        Assert.AreEqual("dilation 2 ≠ 1", dilated.GetProperty("reason").GetString());
        var fc = layers.Single(l => l.GetProperty("name").GetString() == "fc");
        Assert.AreEqual("Gemm", fc.GetProperty("kind").GetString());
        CollectionAssert.AreEqual(new[] { 5L, 3L }, fc.GetProperty("weightShape").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        CollectionAssert.AreEqual(new[] { "batch", "3" },
            fc.GetProperty("inputShape").EnumerateArray().Select(e => e.ToString()).ToArray());
    }

    [TestMethod]
    public void The_sample_model_has_its_convolutions_and_fully_connected_layers_quantizable()
    {
        var result = CliRunner.InProcess("inspect", "--model", SampleModel, "--json");

        Assert.AreEqual(0, result.ExitCode, result.Error);
        var layers = JsonDocument.Parse(result.Output).RootElement.GetProperty("layers").EnumerateArray().ToList();
        var quantizable = layers.Where(l => l.GetProperty("quantizable").GetBoolean()).Select(l => l.GetProperty("op").GetString()).ToList();
        Assert.IsTrue(quantizable.Count(op => op == "Conv") >= 4, string.Join(",", quantizable));
        Assert.IsTrue(quantizable.Count(op => op == "Gemm") >= 2, string.Join(",", quantizable));
        Assert.IsTrue(quantizable.Contains("AveragePool"), string.Join(",", quantizable));
    }

    [TestMethod]
    [TestCategory(Categories.RealModel)]
    public void The_shared_lenet_lists_its_conv_and_gemm_layers_as_quantizable()
    {
        var result = CliRunner.InProcess("inspect", "--model", RepoPaths.SharedData("onnx", "fmnist_lenet.onnx"));

        Assert.AreEqual(0, result.ExitCode, result.Error);
        foreach (var layer in new[] { "/conv1/Conv", "/conv2/Conv", "/fc1/Gemm", "/fc2/Gemm", "/fc3/Gemm" })
            StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex($"{System.Text.RegularExpressions.Regex.Escape(layer)} .*│ yes"));
        StringAssert.Contains(result.Output, "5 of 12 nodes quantizable (Conv 2, Gemm 3).");
    }

    [TestMethod]
    public void Layers_inside_if_branches_are_listed_as_float_with_the_reason_in_the_table_and_the_json()
    {
        var path = ControlFlowModels.WriteIfModel();

        var text = CliRunner.InProcess("inspect", "--model", path);
        var json = CliRunner.InProcess("inspect", "--model", path, "--json");

        Assert.AreEqual(0, text.ExitCode, text.Error);
        StringAssert.Matches(text.Output, new System.Text.RegularExpressions.Regex(@"if/then_branch/conv_then\s*│ Conv\s*│ no\s*│ inside an If branch: subgraph layers are not quantized"));
        StringAssert.Contains(text.Output, "if/else_branch/conv_else");
        StringAssert.Contains(text.Output, "1 of 6 nodes quantizable (Conv 1).");
        Assert.AreEqual(0, json.ExitCode, json.Error);
        var rows = JsonDocument.Parse(json.Output).RootElement.GetProperty("layers").EnumerateArray().ToList();
        var inner = rows.Single(l => l.GetProperty("name").GetString() == "if/else_branch/conv_else");
        Assert.AreEqual("Conv", inner.GetProperty("op").GetString());
        Assert.IsFalse(inner.GetProperty("quantizable").GetBoolean());
        Assert.AreEqual("inside an If branch: subgraph layers are not quantized", inner.GetProperty("reason").GetString());
        Assert.AreEqual("if/else_branch", inner.GetProperty("subgraph").GetString());
    }

    // x[batch,2,8,8] → Conv(dilation 2) → GlobalAveragePool → Flatten → Gemm.
    private static string WriteDilatedModel()
    {
        var graph = new ModelGraph("dilated_gap");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 2, 8, 8));
        graph.AddInitializer("w", TensorData.FromFloats([3, 2, 3, 3], new float[54]));
        graph.AddInitializer("w_fc", TensorData.FromFloats([5, 3], new float[15]));
        var conv = graph.AddNode("Conv", "dilated", ["x", "w"], ["c"]);
        conv.Attributes.Set("dilations", [2L, 2]);
        graph.AddNode("GlobalAveragePool", "gap", ["c"], ["g"]);
        graph.AddNode("Flatten", "flatten", ["g"], ["f"]);
        graph.AddNode("Gemm", "fc", ["f", "w_fc"], ["y"]).Attributes.Set("transB", 1L);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, "batch", 5));
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "dilated_gap.onnx");
        OnnxModelFile.Save(new OnnxModel(graph, 13), path);
        return path;
    }
}
