using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Passes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Passes;

/// <summary>
/// Each operator whose form changed between opsets 7 and 13, in a one-node model at its old opset: the
/// upgraded model runs in ONNX Runtime and gives the original's outputs (ONNX Runtime runs both opsets).
/// </summary>
[TestClass]
public sealed class OldOpsetUpgradeTests
{
    private static readonly int[] Image = [1, 2, 4, 5];

    [TestMethod]
    [DataRow(7, "nearest")]
    [DataRow(7, "linear")]
    [DataRow(9, "nearest")]
    [DataRow(9, "linear")]
    public void Upsample_becomes_Resize_sampling_the_same_points(int opset, string mode)
    {
        var graph = Graph();
        float[] scales = [1, 1, 2, 3];
        Node node;
        if (opset == 7)
        {
            node = graph.AddNode("Upsample", "up", ["x"], ["y"]);
            node.Attributes.Set("scales", scales);
        }
        else
        {
            graph.AddInitializer("scales", TensorData.FromFloats([4], scales));
            node = graph.AddNode("Upsample", "up", ["x", "scales"], ["y"]);
        }
        node.Attributes.Set("mode", mode);

        var upgraded = AssertSameOutputs(new OnnxModel(graph, opset));

        var resize = upgraded.Graph.Nodes.Single();
        Assert.AreEqual("Resize", resize.OpType);
        Assert.AreEqual("asymmetric", resize.Attributes.Find("coordinate_transformation_mode")!.S.ToStringUtf8());
    }

    [TestMethod]
    public void Resize_10_keeps_its_sampling()
    {
        var graph = Graph();
        graph.AddInitializer("scales", TensorData.FromFloats([4], [1f, 1, 1.5f, 2]));
        graph.AddNode("Resize", "resize", ["x", "scales"], ["y"]).Attributes.Set("mode", "nearest");

        AssertSameOutputs(new OnnxModel(graph, 10));
    }

    [TestMethod]
    [DataRow(true, true)]
    [DataRow(false, true)]
    [DataRow(true, false)]
    public void Clip_bounds_become_inputs(bool min, bool max)
    {
        var graph = Graph();
        var clip = graph.AddNode("Clip", "clip", ["x"], ["y"]);
        if (min) clip.Attributes.Set("min", -0.25f);
        if (max) clip.Attributes.Set("max", 0.5f);

        var upgraded = AssertSameOutputs(new OnnxModel(graph, 9));

        Assert.AreEqual(0, upgraded.Graph.Nodes.Single().Attributes.All.Count);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Slice_starts_ends_and_axes_become_inputs(bool withAxes)
    {
        var graph = Graph();
        var slice = graph.AddNode("Slice", "slice", ["x"], ["y"]);
        slice.Attributes.Set("starts", withAxes ? new long[] { 1, 1 } : [0, 1, 1, 2]);
        slice.Attributes.Set("ends", withAxes ? new long[] { 3, long.MaxValue } : [1, 2, 3, 5]);
        if (withAxes) slice.Attributes.Set("axes", [2L, 3]);

        var upgraded = AssertSameOutputs(new OnnxModel(graph, 9));

        Assert.AreEqual(withAxes ? 4 : 3, upgraded.Graph.Nodes.Single().Inputs.Count);
    }

    [TestMethod]
    [DataRow("constant", 0f)]
    [DataRow("constant", 1.5f)]
    [DataRow("reflect", 0f)]
    [DataRow("edge", 0f)]
    public void Pad_pads_and_value_become_inputs(string mode, float value)
    {
        var graph = Graph();
        var pad = graph.AddNode("Pad", "pad", ["x"], ["y"]);
        pad.Attributes.Set("pads", [0L, 0, 1, 2, 0, 0, 2, 1]);
        pad.Attributes.Set("mode", mode);
        if (value != 0) pad.Attributes.Set("value", value);

        AssertSameOutputs(new OnnxModel(graph, 9));
    }

    [TestMethod]
    public void TopK_k_becomes_an_input()
    {
        var graph = Graph("values");
        graph.Outputs.Add(ValueInfos.Tensor("indices", DataType.Int64, null));
        var topK = graph.AddNode("TopK", "topk", ["x"], ["values", "indices"]);
        topK.Attributes.Set("k", 3L);
        topK.Attributes.Set("axis", 3L);

        AssertSameOutputs(new OnnxModel(graph, 9));
    }

    [TestMethod]
    public void BatchNormalization_loses_spatial()
    {
        var graph = Graph();
        graph.AddInitializer("scale", TensorData.FromFloats([2], [1.5f, 0.5f]));
        graph.AddInitializer("bias", TensorData.FromFloats([2], [0.1f, -0.2f]));
        graph.AddInitializer("mean", TensorData.FromFloats([2], [0.3f, -0.1f]));
        graph.AddInitializer("var", TensorData.FromFloats([2], [0.8f, 1.7f]));
        var bn = graph.AddNode("BatchNormalization", "bn", ["x", "scale", "bias", "mean", "var"], ["y"]);
        bn.Attributes.Set("spatial", 1L);
        bn.Attributes.Set("epsilon", 1e-3f);

        var upgraded = AssertSameOutputs(new OnnxModel(graph, 7));

        Assert.IsFalse(upgraded.Graph.Nodes.Single().Attributes.Has("spatial"));
    }

    [TestMethod]
    public void BatchNormalization_per_element_is_refused_naming_the_file_the_node_and_the_op()
    {
        var graph = Graph();
        foreach (var name in new[] { "scale", "bias", "mean", "var" })
            graph.AddInitializer(name, TensorData.FromFloats([2, 4, 5], TestModels.Values(3, 2, 4, 5).Select(Math.Abs).ToArray()));
        graph.AddNode("BatchNormalization", "bn_elementwise", ["x", "scale", "bias", "mean", "var"], ["y"]).Attributes.Set("spatial", 0L);
        var model = new OnnxModel(graph, 7) { SourcePath = "/models/old.onnx" };

        var e = Assert.ThrowsExactly<CalibException>(() => new OpsetUpgrade().Apply(model));

        StringAssert.Contains(e.Message, "'/models/old.onnx'");
        StringAssert.Contains(e.Message, "node 'bn_elementwise' (BatchNormalization)");
        StringAssert.Contains(e.Message, "spatial=0");
    }

    [TestMethod]
    public void An_experimental_operator_is_refused_naming_it()
    {
        var graph = Graph();
        graph.AddNode("ImageScaler", "scaler", ["x"], ["y"]).Attributes.Set("scale", 2f);
        var model = new OnnxModel(graph, 8) { SourcePath = "old.onnx" };

        var e = Assert.ThrowsExactly<CalibException>(() => new OpsetUpgrade().Apply(model));

        StringAssert.Contains(e.Message, "node 'scaler' (ImageScaler)");
        StringAssert.Contains(e.Message, "'old.onnx'");
    }

    [TestMethod]
    public void Scatter_becomes_ScatterElements()
    {
        var graph = Graph();
        graph.AddInitializer("indices", TensorData.FromInt64s([1, 2, 1, 5], [3, 0, 1, 2, 3, 0, 2, 1, 3, 1]));
        graph.AddInitializer("updates", TensorData.FromFloats([1, 2, 1, 5], TestModels.Values(5, 1, 2, 1, 5)));
        graph.AddNode("Scatter", "scatter", ["x", "indices", "updates"], ["y"]).Attributes.Set("axis", 2L);

        var upgraded = AssertSameOutputs(new OnnxModel(graph, 9));

        Assert.AreEqual("ScatterElements", upgraded.Graph.Nodes.Single().OpType);
    }

    [TestMethod]
    public void Axes_attributes_softmax_and_dropout_of_opset_7_to_10_are_carried_to_13()
    {
        var graph = Graph("sum", "soft", "parts0", "drop", "sq");
        var reduce = graph.AddNode("ReduceSum", "reduce", ["x"], ["sum"]);
        reduce.Attributes.Set("axes", [1L, 3]);
        graph.AddNode("Softmax", "softmax", ["x"], ["soft"]).Attributes.Set("axis", 2L);
        var split = graph.AddNode("Split", "split", ["x"], ["parts0", "parts1"]);
        split.Attributes.Set("axis", 3L);
        split.Attributes.Set("split", [2L, 3]);
        graph.AddNode("Dropout", "dropout", ["x"], ["drop"]).Attributes.Set("ratio", 0.3f);
        var unsqueeze = graph.AddNode("Unsqueeze", "unsqueeze", ["sum"], ["u"]);
        unsqueeze.Attributes.Set("axes", [0L]);
        graph.AddNode("Squeeze", "squeeze", ["u"], ["sq"]).Attributes.Set("axes", [0L]);

        AssertSameOutputs(new OnnxModel(graph, 8));
    }

    [TestMethod]
    public void A_used_dropout_mask_is_refused()
    {
        var graph = Graph("mask");
        graph.AddNode("Dropout", "dropout", ["x"], ["y", "mask"]);
        var model = new OnnxModel(graph, 9) { SourcePath = "old.onnx" };

        var e = Assert.ThrowsExactly<CalibException>(() => new OpsetUpgrade().Apply(model));

        StringAssert.Contains(e.Message, "node 'dropout' (Dropout)");
    }

    [TestMethod]
    public void Opsets_older_than_7_are_left_alone()
    {
        var model = new OnnxModel(Graph(), 6);

        Assert.AreEqual("opset 6 is older than 7", OpsetUpgrade.Obstacle(model));
        Assert.AreEqual(0, new OpsetUpgrade().Apply(model).Count);
    }

    private static ModelGraph Graph(params string[] outputs)
    {
        var graph = new ModelGraph("old");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1, 2, 4, 5));
        foreach (var output in outputs.Length == 0 ? ["y"] : outputs) graph.Outputs.Add(ValueInfos.Tensor(output, DataType.Float, null));
        return graph;
    }

    // Upgrades a copy, checks it is a valid opset-13 model to ONNX Runtime and computes what the original does.
    private static OnnxModel AssertSameOutputs(OnnxModel original)
    {
        var upgraded = original.Clone();
        new OpsetUpgrade().Apply(upgraded);
        Assert.AreEqual(13, upgraded.DefaultOpset);
        Assert.IsTrue(upgraded.IrVersion >= 7, "opset 13 needs IR version 7");
        using var before = ModelRunner.Create(original);
        using var after = ModelRunner.Create(upgraded);
        var x = TestModels.Values(11, Image);
        using var a = before.Run("x", x, [.. Image.Select(d => (long)d)]);
        using var b = after.Run("x", x, [.. Image.Select(d => (long)d)]);
        foreach (var name in before.OutputNames)
        {
            CollectionAssert.AreEqual(a.Shape(name), b.Shape(name), name);
            var type = a[name].GetTensorTypeAndShape().ElementDataType;
            if (type != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
            {
                CollectionAssert.AreEqual(a[name].GetTensorDataAsSpan<long>().ToArray(), b[name].GetTensorDataAsSpan<long>().ToArray(), name);
                continue;
            }
            var (expected, actual) = (a.Floats(name).ToArray(), b.Floats(name).ToArray());
            var largest = expected.Max(Math.Abs);
            for (var i = 0; i < expected.Length; i++)
                Assert.IsTrue(Math.Abs(expected[i] - actual[i]) <= 1e-5 * largest, $"{name}[{i}]: {expected[i]} vs {actual[i]}");
        }
        return upgraded;
    }
}
