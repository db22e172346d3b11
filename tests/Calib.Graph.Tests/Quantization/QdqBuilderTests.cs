using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Quantization;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Quantization;

[TestClass]
public sealed class QdqBuilderTests
{
    private static readonly ActivationQdq Uint8 = new(0.05f, 128, Signed: false);

    // x[2,3] → Relu → r → Neg → y; x is also a graph output.
    private static OnnxModel Chain()
    {
        var graph = new ModelGraph("chain");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 2, 3));
        graph.AddNode("Relu", "relu", ["x"], ["r"]);
        graph.AddNode("Neg", "neg", ["r"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 2, 3));
        graph.Outputs.Add(ValueInfos.Tensor("r", DataType.Float, 2, 3));
        return new OnnxModel(graph, 13);
    }

    private static float[] Run(OnnxModel model, string output, float[] x)
    {
        using var runner = ModelRunner.Create(model);
        using var result = runner.Run("x", x, [2, 3]);
        return result.Floats(output).ToArray();
    }

    private static float FakeQuant(float x, ActivationQdq q) =>
        (Math.Clamp(MathF.Round(x / q.Scale, MidpointRounding.ToEven) + q.ZeroPoint, 0, 255) - q.ZeroPoint) * q.Scale;

    [TestMethod]
    public void A_dequantized_input_feeds_only_the_layer_that_asks()
    {
        var model = Chain();
        var builder = new QdqBuilder(model.Graph);
        var neg = model.Graph.Nodes.Single(n => n.Name == "neg");
        neg.Inputs[0] = builder.DequantizedInput("r", Uint8);
        float[] x = [-1f, 0.012f, 0.5f, 3.33f, 7f, 100f];

        var y = Run(model, "y", x);
        var r = Run(model, "r", x);

        for (var i = 0; i < x.Length; i++)
        {
            Assert.AreEqual(-FakeQuant(Math.Max(0, x[i]), Uint8), y[i], 1e-6f);
            Assert.AreEqual(Math.Max(0, x[i]), r[i], "the graph output keeps the float value");
        }
    }

    [TestMethod]
    public void The_same_tensor_and_quantization_share_one_pair()
    {
        var model = Chain();
        var builder = new QdqBuilder(model.Graph);
        Assert.AreEqual(builder.DequantizedInput("r", Uint8), builder.DequantizedInput("r", Uint8));
        Assert.AreEqual(1, model.Graph.Nodes.Count(n => n.OpType == "QuantizeLinear"));
    }

    [TestMethod]
    public void In_place_quantization_of_an_intermediate_tensor_reaches_every_reader_and_keeps_its_name()
    {
        var model = Chain();
        new QdqBuilder(model.Graph).QuantizeInPlace("r", Uint8);
        float[] x = [-1f, 0.012f, 0.5f, 3.33f, 7f, 100f];

        var r = Run(model, "r", x);
        var y = Run(model, "y", x);

        for (var i = 0; i < x.Length; i++)
        {
            Assert.AreEqual(FakeQuant(Math.Max(0, x[i]), Uint8), r[i], 1e-6f);
            Assert.AreEqual(-r[i], y[i]);
        }
    }

    [TestMethod]
    public void In_place_quantization_of_a_graph_input_rewires_its_readers()
    {
        var model = Chain();
        new QdqBuilder(model.Graph).QuantizeInPlace("x", new ActivationQdq(0.1f, 0, Signed: true));
        var r = Run(model, "r", [0.04f, 0.06f, -0.3f, 1f, 12.8f, -13f]);
        CollectionAssert.AreEqual(new[] { 0f, 0.1f, 0f, 1f, 12.7f, 0f }, r.Select(v => MathF.Round(v, 5)).ToArray());
    }

    [TestMethod]
    public void Int8_weights_are_stored_as_int8_with_per_channel_scales()
    {
        var graph = new ModelGraph("matmul");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 2, 3));
        graph.AddInitializer("w", TensorData.FromFloats([3, 2], [1, 2, 3, 4, 5, 6]));
        graph.AddNode("MatMul", "mm", ["x", "w"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 2, 2));
        var model = new OnnxModel(graph, 13);
        var builder = new QdqBuilder(graph);
        // Per output column (axis 1): scales 0.5 and 1.
        graph.Nodes[0].Inputs[1] = builder.Int8Weight("w", new WeightQdq([0.5f, 1f], [2, 2, 6, 4, 10, 6], Axis: 1));
        Calib.Graph.Passes.GraphRewrite.RemoveUnusedInitializers(graph);

        Assert.IsFalse(graph.Initializers.ContainsKey("w"));
        Assert.AreEqual((int)DataType.Int8, graph.Initializers["w_quantized"].DataType);
        var y = Run(model, "y", [1, 0, 0, 0, 1, 1]);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 8f, 10f }, y);
    }
}
