using Calib.Graph.Ir;
using Calib.Graph.Quantization;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Quantization;

[TestClass]
public sealed class DeployTensorPlanTests
{
    // A detector in miniature: a backbone conv, then a box head (conv → Transpose → Reshape → Concat → output)
    // and a class head (conv → Reshape → Softmax → output), with a pooled branch joining the box Concat.
    private static ModelGraph Detector()
    {
        var graph = new ModelGraph("detector");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1, 2, 4, 4));
        foreach (var (name, dims) in new[] { ("w0", new long[] { 4, 2, 1, 1 }), ("w_box", [4, 4, 1, 1]), ("w_cls", [2, 4, 1, 1]), ("w_side", [4, 4, 1, 1]) })
            graph.AddInitializer(name, TensorData.FromFloats(dims, new float[dims.Aggregate(1L, (a, b) => a * b)]));
        graph.AddInitializer("shape", TensorData.FromInt64s([3], [1, -1, 4]));
        graph.AddInitializer("shape_cls", TensorData.FromInt64s([3], [1, -1, 2]));
        graph.AddNode("Conv", "backbone", ["x", "w0"], ["features"]);
        graph.AddNode("Relu", "relu", ["features"], ["activated"]);
        graph.AddNode("Conv", "box", ["activated", "w_box"], ["box_map"]);
        graph.AddNode("Transpose", "box_t", ["box_map"], ["box_nhwc"]).Attributes.Set("perm", [0L, 2, 3, 1]);
        graph.AddNode("Reshape", "box_r", ["box_nhwc", "shape"], ["box_rows"]);
        graph.AddNode("Conv", "side", ["activated", "w_side"], ["side_map"]);
        graph.AddNode("MaxPool", "side_pool", ["side_map"], ["side_pooled"]).Attributes.Set("kernel_shape", [2L, 2]);
        graph.AddNode("Reshape", "side_r", ["side_pooled", "shape"], ["side_rows"]);
        graph.AddNode("Concat", "boxes_cat", ["box_rows", "side_rows"], ["boxes"]).Attributes.Set("axis", 1L);
        graph.AddNode("Conv", "cls", ["activated", "w_cls"], ["cls_map"]);
        graph.AddNode("Reshape", "cls_r", ["cls_map", "shape_cls"], ["logits"]);
        graph.AddNode("Softmax", "softmax", ["logits"], ["scores"]).Attributes.Set("axis", -1L);
        graph.Outputs.Add(ValueInfos.Tensor("boxes", DataType.Float, 1, 20, 4));
        graph.Outputs.Add(ValueInfos.Tensor("scores", DataType.Float, 1, 16, 2));
        return graph;
    }

    [TestMethod]
    public void Model_outputs_and_softmax_inputs_are_heads_back_through_concat_pooling_and_reshapes()
    {
        var heads = DeployTensorPlan.OutputHeads(Detector());

        CollectionAssert.AreEquivalent(
            new[] { "boxes", "box_rows", "box_nhwc", "box_map", "side_rows", "side_pooled", "side_map", "scores", "logits", "cls_map" },
            heads.ToArray());
    }

    [TestMethod]
    public void The_deploy_model_keeps_heads_float_and_the_backbone_8_bit()
    {
        var graph = Detector();
        var layers = graph.Nodes.Where(n => n.OpType == "Conv").ToList();

        var plan = DeployTensorPlan.Build(graph, layers);

        // Every layer still reads an 8-bit input (its integer kernel needs it) …
        Assert.IsTrue(plan.Contains("x") && plan.Contains("activated"), string.Join(",", plan.All));
        // … but nothing after the last layers is cut to 256 levels.
        foreach (var head in DeployTensorPlan.OutputHeads(graph)) Assert.IsFalse(plan.Contains(head), head);
        CollectionAssert.AreEquivalent(new[] { "x", "activated" }, plan.All.ToArray());
    }
}
