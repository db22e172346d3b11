using Calib.Algorithms.Preparation;
using Calib.Graph;
using Calib.Graph.Ir;
using Calib.Graph.Passes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Tests.Preparation;

[TestClass]
public sealed class OpsetUpgradeCheckTests
{
    // Opset 9 as exporters wrote it: Conv, Clip with attribute bounds, Upsample with a scales input, an int64 side input.
    private static OnnxModel Opset9Model()
    {
        var graph = new ModelGraph("from PaddlePaddle");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 2, 6, 6));
        graph.Inputs.Add(ValueInfos.Tensor("ids", DataType.Int64, 1, 3));
        graph.AddInitializer("w", TensorData.FromFloats([3, 2, 3, 3], Enumerable.Range(0, 54).Select(i => MathF.Sin(i)).ToArray()));
        graph.AddInitializer("scales", TensorData.FromFloats([4], [1f, 1, 2, 2]));
        graph.AddNode("Conv", "conv", ["x", "w"], ["c"]).Attributes.Set("pads", [1L, 1, 1, 1]);
        var clip = graph.AddNode("Clip", "clip", ["c"], ["r"]);
        clip.Attributes.Set("min", 0f);
        clip.Attributes.Set("max", 0.5f);
        graph.AddNode("Upsample", "up", ["r", "scales"], ["y"]).Attributes.Set("mode", "nearest");
        graph.AddNode("Cast", "cast", ["ids"], ["ids_float"]).Attributes.Set("to", (long)DataType.Float);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, null));
        graph.Outputs.Add(ValueInfos.Tensor("ids_float", DataType.Float, null));
        return new OnnxModel(graph, 9) { SourcePath = "/data/old_model.onnx" };
    }

    [TestMethod]
    public void A_faithful_upgrade_passes()
    {
        var model = Opset9Model();

        Assert.IsTrue(OpsetUpgradeCheck.Applies(model));
        OpsetUpgradeCheck.Verify(model);
        Assert.AreEqual(9, model.DefaultOpset, "the original is left as it was");
    }

    [TestMethod]
    public void An_upgrade_that_changes_an_output_is_an_error_naming_the_file_and_the_output()
    {
        var model = Opset9Model();
        var upgraded = model.Clone();
        new OpsetUpgrade().Apply(upgraded);
        // What a naive Upsample → Resize conversion gives: ONNX's default half-pixel sampling.
        upgraded.Graph.Nodes.Single(n => n.OpType == "Resize").Attributes.Set("coordinate_transformation_mode", "half_pixel");
        upgraded.Graph.Nodes.Single(n => n.OpType == "Resize").Attributes.Set("mode", "linear");

        var e = Assert.ThrowsExactly<CalibException>(() => OpsetUpgradeCheck.Compare(model, upgraded));

        StringAssert.Contains(e.Message, "Model '/data/old_model.onnx'");
        StringAssert.Contains(e.Message, "changed output 'y'");
        StringAssert.Contains(e.Message, "opset 9 to 13");
    }

    [TestMethod]
    public void Preparing_an_old_model_upgrades_it_and_names_the_file_when_it_cannot()
    {
        var prepared = PreparedModel.Prepare(new ModelSource("/data/old_model.onnx"), new LoadedModel(Opset9Model(), null));
        Assert.AreEqual(13, prepared.Model.DefaultOpset);
        Assert.IsTrue(prepared.Verdicts.Any(v => v.IsQuantizable && v.Node.Name == "conv"));

        var unsupported = Opset9Model();
        unsupported.Graph.Nodes.Single(n => n.OpType == "Upsample").Attributes.Set("mode", "bilinear");
        var e = Assert.ThrowsExactly<CalibException>(() => PreparedModel.Prepare(new ModelSource("/data/old_model.onnx"), new LoadedModel(unsupported, null)));
        StringAssert.Contains(e.Message, "'/data/old_model.onnx'");
        StringAssert.Contains(e.Message, "node 'up' (Upsample)");
        Assert.IsFalse(e.Message.Contains("PaddlePaddle"), "named by its file, not its graph");
    }
}
