using Calib.Graph.Analysis;
using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Passes;
using Calib.Graph.Quantization;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Passes;

[TestClass]
public sealed class QdqStrippingTests
{
    private static readonly ActivationQdq Input = new(0.02f, 100, Signed: false);
    private static readonly ActivationQdq Hidden = new(0.01f, 0, Signed: false);
    private static readonly float[] X = TestModels.Values(3, 1, 2, 4, 4);

    // x[1,2,4,4] → conv1 (pads 1) → c1 → Relu → r → conv2 (1x1) → c2 → Flatten → f → gemm → y[1,5]
    private static OnnxModel Float()
    {
        var graph = new ModelGraph("net");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1, 2, 4, 4));
        Weight(graph, "w1", 11, 3, 2, 3, 3);
        Weight(graph, "b1", 12, 3);
        Weight(graph, "w2", 13, 3, 3, 1, 1);
        Weight(graph, "wg", 14, 5, 48);
        graph.AddNode("Conv", "conv1", ["x", "w1", "b1"], ["c1"]).Attributes.Set("pads", [1L, 1, 1, 1]);
        graph.AddNode("Relu", "relu", ["c1"], ["r"]);
        graph.AddNode("Conv", "conv2", ["r", "w2"], ["c2"]);
        graph.AddNode("Flatten", "flatten", ["c2"], ["f"]);
        graph.AddNode("Gemm", "gemm", ["f", "wg"], ["y"]).Attributes.Set("transB", 1L);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 1, 5));
        return new OnnxModel(graph, 13);
    }

    // The fake-quant model of the chosen layers: Q/DQ on their data input and weight, as calib writes it.
    private static OnnxModel FakeQuant(params string[] layers)
    {
        var model = Float();
        var graph = model.Graph;
        var builder = new QdqBuilder(graph);
        foreach (var name in layers)
        {
            var node = graph.Nodes.Single(n => n.Name == name);
            node.Inputs[0] = builder.DequantizedInput(node.Inputs[0], name == "conv1" ? Input : Hidden);
            node.Inputs[1] = builder.FakeQuantizedWeight(node.Inputs[1], WeightsOf(graph, node.Inputs[1]));
        }
        return model;
    }

    private static WeightQdq WeightsOf(ModelGraph graph, string weight)
    {
        var tensor = graph.Initializers[weight];
        var values = TensorData.ReadFloats(tensor);
        var channels = (int)tensor.Dims[0];
        var perChannel = values.Length / channels;
        var scales = Enumerable.Range(0, channels)
            .Select(c => values.Skip(c * perChannel).Take(perChannel).Max(Math.Abs) / 127f).ToArray();
        var q = values.Select((v, i) => (sbyte)Math.Clamp(MathF.Round(v / scales[i / perChannel]), -127, 127)).ToArray();
        return new WeightQdq(scales, q, 0);
    }

    private static float[] Run(OnnxModel model, string output = "y")
    {
        using var runner = ModelRunner.Create(model, new ExecutionOptions { Optimize = false });
        using var result = runner.Run("x", X, [1, 2, 4, 4]);
        return result.Floats(output).ToArray();
    }

    [TestMethod]
    public void Stripping_every_node_gives_back_the_float_model()
    {
        var model = FakeQuant("conv1", "conv2", "gemm");
        Assert.AreNotEqual(Run(Float())[0], Run(model)[0], "the fake-quant model differs from float");

        var rewired = QdqStripping.Apply(model.Graph, _ => true);

        Assert.AreEqual(6, rewired);
        Assert.IsFalse(model.Graph.Nodes.Any(QdqPattern.IsQdq));
        CollectionAssert.AreEqual(Float().Graph.Initializers.Keys.ToList(), model.Graph.Initializers.Keys.ToList());
        CollectionAssert.AreEqual(Run(Float()), Run(model));
    }

    [TestMethod]
    public void Stripping_all_but_one_layer_leaves_exactly_that_layers_quantization()
    {
        var model = FakeQuant("conv1", "conv2", "gemm");

        QdqStripping.Apply(model.Graph, n => n.Name != "conv2");

        Assert.AreEqual(2, model.Graph.Nodes.Count(QdqPattern.IsQuantize));
        CollectionAssert.AreEqual(Run(FakeQuant("conv2")), Run(model));
        Assert.AreNotEqual(Run(Float())[0], Run(model)[0]);
    }

    [TestMethod]
    public void A_pair_shared_with_a_kept_reader_stays()
    {
        var model = Float();
        var graph = model.Graph;
        graph.AddNode("Neg", "neg", ["r"], ["n"]);
        graph.Outputs.Add(ValueInfos.Tensor("n", DataType.Float, 1, 3, 4, 4));
        var builder = new QdqBuilder(graph);
        var dequantized = builder.DequantizedInput("r", Hidden);
        graph.Nodes.Single(n => n.Name == "conv2").Inputs[0] = dequantized;
        graph.Nodes.Single(n => n.Name == "neg").Inputs[0] = dequantized;

        QdqStripping.Apply(graph, n => n.Name == "neg");

        Assert.AreEqual("r", graph.Nodes.Single(n => n.Name == "neg").Inputs[0]);
        Assert.AreEqual(dequantized, graph.Nodes.Single(n => n.Name == "conv2").Inputs[0]);
        Assert.AreEqual(1, graph.Nodes.Count(QdqPattern.IsQuantize));
    }

    [TestMethod]
    public void Constant_int8_weights_become_their_dequantized_float_values()
    {
        // Deploy style: the weight is stored as int8 behind a per-channel DequantizeLinear (axis 0).
        var deploy = Float();
        var builder = new QdqBuilder(deploy.Graph);
        var conv = deploy.Graph.Nodes.Single(n => n.Name == "conv1");
        conv.Inputs[1] = builder.Int8Weight("w1", WeightsOf(deploy.Graph, "w1"));
        Calib.Graph.Passes.GraphRewrite.RemoveUnusedInitializers(deploy.Graph);
        var fakeQuantWeights = Float();
        var fq = fakeQuantWeights.Graph.Nodes.Single(n => n.Name == "conv1");
        fq.Inputs[1] = new QdqBuilder(fakeQuantWeights.Graph).FakeQuantizedWeight("w1", WeightsOf(fakeQuantWeights.Graph, "w1"));

        QdqStripping.Apply(deploy.Graph, _ => true);

        Assert.IsFalse(deploy.Graph.Nodes.Any(QdqPattern.IsQdq));
        Assert.AreEqual(DataType.Float, TensorData.TypeOf(deploy.Graph.Initializers[conv.Inputs[1]]));
        CollectionAssert.AreEqual(Run(fakeQuantWeights), Run(deploy));
    }

    [TestMethod]
    public void A_weight_quantized_on_axis_1_is_dequantized_per_column()
    {
        var model = Float();
        var graph = model.Graph;
        graph.AddInitializer("wq", TensorData.FromInt8s([2, 3], [1, 2, 3, -4, -5, -6]));
        graph.AddInitializer("ws", TensorData.FromFloats([3], [0.5f, 0.25f, 2f]));
        graph.AddInitializer("wz", TensorData.FromInt8s([3], [0, 1, -1]));
        graph.AddNode("DequantizeLinear", "dq", ["wq", "ws", "wz"], ["wd"]).Attributes.Set("axis", 1L);
        graph.AddNode("Identity", "copy", ["wd"], ["w"]);

        QdqStripping.Apply(graph, n => n.Name == "copy");

        var values = TensorData.ReadFloats(graph.Initializers[graph.Nodes.Single(n => n.Name == "copy").Inputs[0]]);
        CollectionAssert.AreEqual(new[] { 0.5f, 0.25f, 8f, -2f, -1.5f, -10f }, values);
    }

    [TestMethod]
    public void A_graph_output_through_a_pair_gets_its_float_value_only_when_asked()
    {
        // In-place quantization of the model output, as calib's deploy model does it.
        var model = Float();
        new QdqBuilder(model.Graph).QuantizeInPlace("y", Hidden);
        var quantized = Run(model);

        var kept = model.Clone();
        QdqStripping.Apply(kept.Graph, _ => true);
        QdqStripping.Apply(model.Graph, _ => true, graphOutputs: true);

        CollectionAssert.AreEqual(quantized, Run(kept));
        CollectionAssert.AreEqual(Run(Float()), Run(model));
        Assert.IsFalse(model.Graph.Nodes.Any(QdqPattern.IsQdq));
    }

    [TestMethod]
    public void The_layer_finder_sees_layers_but_not_nodes_that_pass_quantized_tensors_on()
    {
        var model = FakeQuant("conv1", "conv2", "gemm");
        // Deploy style: the Relu output quantized in place, so Relu reads a dequantized tensor too.
        new QdqBuilder(model.Graph).QuantizeInPlace("c1", Hidden);

        var layers = QuantizedLayerFinder.Find(model.Graph);

        CollectionAssert.AreEqual(new[] { "conv1", "conv2", "gemm" }, layers.Select(l => l.Name).ToArray());
        Assert.AreEqual("x", layers[0].Input);
        Assert.AreEqual(Input, layers[0].InputQuantization);
        Assert.AreEqual("r", layers[1].Input);
        Assert.AreEqual(Hidden, layers[1].InputQuantization);
    }

    [TestMethod]
    public void A_float_model_has_no_quantized_layer()
    {
        Assert.AreEqual(0, QuantizedLayerFinder.Find(Float().Graph).Count);
    }

    private static void Weight(ModelGraph graph, string name, int seed, params int[] dims) =>
        graph.AddInitializer(name, TensorData.FromFloats(dims.Select(d => (long)d), TestModels.Values(seed, dims)));
}
