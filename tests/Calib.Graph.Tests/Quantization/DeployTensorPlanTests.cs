using Calib.Graph.Ir;
using Calib.Graph.Quantization;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Quantization;

[TestClass]
public sealed class DeployTensorPlanTests
{
    /// <summary>
    /// k = x·W + b, Kᵀ = Transpose(k), scores = MatMul(x, Kᵀ), y = MatMul(scores, z): the projection and both
    /// products of activations are layers.
    /// </summary>
    private static (ModelGraph Graph, Dictionary<Node, IReadOnlyList<string>> Layers) Attention()
    {
        var graph = new ModelGraph("attention");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 4, 8));
        graph.Inputs.Add(ValueInfos.Tensor("z", DataType.Float, 4, 2));
        graph.AddInitializer("w", TensorData.FromFloats([8, 8], TestModels.Values(1, 8, 8)));
        graph.AddInitializer("b", TensorData.FromFloats([8], TestModels.Values(2, 8)));
        var projection = graph.AddNode("MatMul", "k_proj", ["x", "w"], ["k_mm"]);
        graph.AddNode("Add", "k_bias", ["k_mm", "b"], ["k"]);
        graph.AddNode("Transpose", "k_transpose", ["k"], ["kt"]);
        var scores = graph.AddNode("MatMul", "scores", ["x", "kt"], ["scores"]);
        var attended = graph.AddNode("MatMul", "attended", ["scores", "z"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 4, 2));
        return (graph, new() { [projection] = ["x"], [scores] = ["x", "kt"], [attended] = ["scores", "z"] });
    }

    [TestMethod]
    public void A_second_activation_is_carried_in_8_bits_through_the_transpose_from_its_bias_add()
    {
        var (graph, layers) = Attention();

        var plan = DeployTensorPlan.Build(graph, layers);

        Assert.AreEqual("k", plan.SourceOf("kt"), "Kᵀ takes the quantization of the Add it transposes");
        Assert.IsTrue(plan.Contains("k_mm") && plan.Contains("k"), "the projection's output and its bias Add");
        Assert.IsTrue(plan.Contains("z") && plan.Calibrated.Contains("z"), "a second input read straight from the graph input");
        Assert.IsTrue(plan.Contains("scores"), "the scores feed the second product");
        Assert.IsFalse(plan.Contains("y"), "the model output is a head: it stays float");
    }

    [TestMethod]
    public void Without_its_second_input_listed_a_product_reads_that_input_in_float()
    {
        var (graph, layers) = Attention();
        var attended = layers.Keys.Single(n => n.Name == "attended");
        layers[attended] = ["scores"];

        var plan = DeployTensorPlan.Build(graph, layers);

        Assert.IsFalse(plan.Contains("z"));
    }

    /// <summary>
    /// An encoder block's tail: a projection (MatMul + bias Add), a residual Add with the block input, then a
    /// LayerNorm-like float tail (ReduceMean, Sub) — and a second projection whose bias Add feeds the next layer.
    /// </summary>
    [TestMethod]
    public void Tensors_only_float_nodes_read_stay_float_and_those_a_layer_reads_stay_8_bit()
    {
        var graph = new ModelGraph("block");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 4, 8));
        graph.AddInitializer("w1", TensorData.FromFloats([8, 8], TestModels.Values(1, 8, 8)));
        graph.AddInitializer("w2", TensorData.FromFloats([8, 8], TestModels.Values(3, 8, 8)));
        graph.AddInitializer("b", TensorData.FromFloats([8], TestModels.Values(2, 8)));
        var first = graph.AddNode("MatMul", "proj", ["x", "w1"], ["mm"]);
        graph.AddNode("Add", "bias", ["mm", "b"], ["p"]);
        graph.AddNode("Add", "residual", ["x", "p"], ["sum"]);
        graph.AddNode("ReduceMean", "mean", ["sum"], ["mean"]);
        graph.AddNode("Sub", "centre", ["sum", "mean"], ["centred"]);
        var second = graph.AddNode("MatMul", "proj2", ["centred", "w2"], ["mm2"]);
        graph.AddNode("Add", "bias2", ["mm2", "b"], ["p2"]);
        var third = graph.AddNode("MatMul", "proj3", ["p2", "w2"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 4, 8));
        var layers = new Dictionary<Node, IReadOnlyList<string>> { [first] = ["x"], [second] = ["centred"], [third] = ["p2"] };

        var plan = DeployTensorPlan.Build(graph, layers);

        Assert.IsFalse(plan.Contains("sum"), "the residual sum is read only by the float LayerNorm");
        Assert.IsFalse(plan.Contains("p"), "then the bias Add's output is read only by the float residual Add");
        Assert.IsFalse(plan.Contains("mm"), "a MatMul whose output only float nodes read runs with a float output (MatMulIntegerToFloat)");
        Assert.IsTrue(plan.Contains("x"), "a layer's input stays 8-bit");
        Assert.IsTrue(plan.Contains("p2") && plan.Contains("mm2"), "a bias Add feeding a layer stays 8-bit");
    }

    [TestMethod]
    public void With_integer_layer_outputs_a_conv_output_stays_8_bit_even_when_only_float_nodes_read_it()
    {
        var graph = new ModelGraph("conv");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1, 2, 4, 4));
        graph.AddInitializer("w", TensorData.FromFloats([3, 2, 1, 1], TestModels.Values(1, 3, 2, 1, 1)));
        var conv = graph.AddNode("Conv", "conv", ["x", "w"], ["c"]);
        graph.AddNode("Tanh", "tanh", ["c"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 1, 3, 4, 4));

        var plan = DeployTensorPlan.Build(graph, new Dictionary<Node, IReadOnlyList<string>> { [conv] = ["x"] }, integerLayerOutputs: true);

        Assert.IsTrue(plan.Contains("c"), "ONNX Runtime has no integer Conv with a float output: QLinearConv needs the QuantizeLinear");
    }

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
        var layers = graph.Nodes.Where(n => n.OpType == "Conv").ToDictionary(n => n, n => (IReadOnlyList<string>)[n.Inputs[0]]);

        var plan = DeployTensorPlan.Build(graph, layers);

        // Every layer still reads an 8-bit input (its integer kernel needs it) …
        Assert.IsTrue(plan.Contains("x") && plan.Contains("activated"), string.Join(",", plan.All));
        // … but nothing after the last layers is cut to 256 levels.
        foreach (var head in DeployTensorPlan.OutputHeads(graph)) Assert.IsFalse(plan.Contains(head), head);
        CollectionAssert.AreEquivalent(new[] { "x", "activated" }, plan.All.ToArray());
    }

    [TestMethod]
    public void A_sigmoid_inside_the_network_does_not_make_its_input_a_head()
    {
        // conv → SiLU (x · sigmoid(x)) → conv2 → output: only the model output is a head.
        var graph = new ModelGraph("silu");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1, 2, 4, 4));
        graph.AddInitializer("w", TensorData.FromFloats([2, 2, 1, 1], TestModels.Values(1, 2, 2, 1, 1)));
        graph.AddInitializer("w2", TensorData.FromFloats([2, 2, 1, 1], TestModels.Values(2, 2, 2, 1, 1)));
        var conv = graph.AddNode("Conv", "conv", ["x", "w"], ["c"]);
        graph.AddNode("Sigmoid", "gate", ["c"], ["g"]);
        graph.AddNode("Mul", "silu", ["c", "g"], ["s"]);
        var conv2 = graph.AddNode("Conv", "conv2", ["s", "w2"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 1, 2, 4, 4));

        var heads = DeployTensorPlan.OutputHeads(graph);
        var plan = DeployTensorPlan.Build(graph, new Dictionary<Node, IReadOnlyList<string>> { [conv] = ["x"], [conv2] = ["s"] }, integerLayerOutputs: true);

        CollectionAssert.AreEquivalent(new[] { "y" }, heads.ToArray());
        Assert.IsTrue(plan.Contains("c"), "for speed, the first conv keeps its 8-bit output, so it runs as QLinearConv");
    }

    /// <summary>
    /// x → MatMul → 400 bias Adds in a chain → Tanh → output, with a second MatMul layer reading the chain's 200th Add:
    /// the Adds after it are read only in float, each once its reader's output has gone, back to the 200th, which a layer
    /// reads; the ordered list of calibrated tensors keeps its order.
    /// </summary>
    [TestMethod]
    public void A_long_chain_read_in_float_at_its_end_is_dropped_back_to_the_tensor_a_layer_reads()
    {
        const int adds = 400, read = 199;
        var graph = new ModelGraph("chain");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 4, 8));
        graph.AddInitializer("w", TensorData.FromFloats([8, 8], TestModels.Values(1, 8, 8)));
        graph.AddInitializer("b", TensorData.FromFloats([8], TestModels.Values(2, 8)));
        var first = graph.AddNode("MatMul", "proj", ["x", "w"], ["mm"]);
        for (var i = 0; i < adds; i++) graph.AddNode("Add", $"add{i}", [i == 0 ? "mm" : $"a{i - 1}", "b"], [$"a{i}"]);
        graph.AddNode("Tanh", "tanh", [$"a{adds - 1}"], ["y"]);
        var second = graph.AddNode("MatMul", "proj2", [$"a{read}", "w"], ["y2"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 4, 8));
        graph.Outputs.Add(ValueInfos.Tensor("y2", DataType.Float, 4, 8));

        var plan = DeployTensorPlan.Build(graph, new Dictionary<Node, IReadOnlyList<string>> { [first] = ["x"], [second] = [$"a{read}"] });

        // The layers' tensors first (x, the projection's output, the second layer's input), then the Adds in graph order.
        var expected = new[] { "x", "mm", $"a{read}" }.Concat(Enumerable.Range(0, read).Select(i => $"a{i}")).ToArray();
        CollectionAssert.AreEqual(expected, plan.Calibrated.ToArray());
        CollectionAssert.AreEquivalent(expected, plan.All.ToArray());
    }

    [TestMethod]
    public void Without_integer_layer_outputs_a_conv_output_only_float_nodes_read_stays_float()
    {
        // conv → PRelu → conv2 → output (mtcnn): PRelu has no integer kernel, so the first conv's output Q/DQ only buys QLinearConv.
        var graph = new ModelGraph("prelu");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1, 2, 4, 4));
        graph.AddInitializer("w", TensorData.FromFloats([2, 2, 1, 1], TestModels.Values(1, 2, 2, 1, 1)));
        graph.AddInitializer("w2", TensorData.FromFloats([2, 2, 1, 1], TestModels.Values(2, 2, 2, 1, 1)));
        graph.AddInitializer("slope", TensorData.FromFloats([2, 1, 1], [0.25f, 0.5f]));
        var conv = graph.AddNode("Conv", "conv", ["x", "w"], ["c"]);
        graph.AddNode("PRelu", "prelu", ["c", "slope"], ["p"]);
        var conv2 = graph.AddNode("Conv", "conv2", ["p", "w2"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 1, 2, 4, 4));
        var layers = new Dictionary<Node, IReadOnlyList<string>> { [conv] = ["x"], [conv2] = ["p"] };

        var forSpeed = DeployTensorPlan.Build(graph, layers, integerLayerOutputs: true);
        var forAccuracy = DeployTensorPlan.Build(graph, layers, integerLayerOutputs: false);

        CollectionAssert.AreEquivalent(new[] { "x", "c", "p" }, forSpeed.All.ToArray(), "speed: the conv output is 8-bit for QLinearConv");
        CollectionAssert.AreEquivalent(new[] { "x", "p" }, forAccuracy.All.ToArray(), "accuracy: rounded only where the fake-quant model rounds");
    }
}
