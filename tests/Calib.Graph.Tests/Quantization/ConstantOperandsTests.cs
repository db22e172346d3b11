using Calib.Graph.Ir;
using Calib.Graph.Quantization;
using Calib.Tests.Shared;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Quantization;

/// <summary>
/// A projection's bias Add (MatMul, then Add of a constant [N]) and a Concat with a constant between 8-bit
/// tensors: their constants are found as operands to quantize, and only with the constant behind a DequantizeLinear does ONNX Runtime fuse the
/// Add into QLinearAdd instead of running it in float between DequantizeLinear and QuantizeLinear.
/// </summary>
[TestClass]
public sealed class ConstantOperandsTests
{
    private static readonly ActivationQdq Uint8 = new(0.02f, 128, Signed: false);

    // x [4, 8] → MatMul(w) → mm → Add(mm, b) → y → Concat(y, k) → c → MatMul(w2) → z → Neg → n → Add(n, b) → f.
    private static (ModelGraph Graph, Dictionary<Node, IReadOnlyList<string>> Layers) Projection()
    {
        var graph = new ModelGraph("projection");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 4, 8));
        graph.AddInitializer("w", TensorData.FromFloats([8, 8], TestModels.Values(1, 8, 8)));
        graph.AddInitializer("b", TensorData.FromFloats([8], TestModels.Values(2, 8)));
        graph.AddInitializer("k", TensorData.FromFloats([4, 2], TestModels.Values(3, 4, 2)));
        graph.AddInitializer("w2", TensorData.FromFloats([10, 8], TestModels.Values(4, 10, 8)));
        var projection = graph.AddNode("MatMul", "proj", ["x", "w"], ["mm"]);
        graph.AddNode("Add", "bias", ["mm", "b"], ["y"]);
        graph.AddNode("Concat", "concat", ["y", "k"], ["c"]).Attributes.Set("axis", 1L);
        var second = graph.AddNode("MatMul", "proj2", ["c", "w2"], ["z"]);
        graph.AddNode("Neg", "neg", ["z"], ["n"]);
        graph.AddNode("Add", "float_add", ["n", "b"], ["f"]);
        graph.Outputs.Add(ValueInfos.Tensor("f", DataType.Float, 4, 8));
        return (graph, new() { [projection] = ["x"], [second] = ["c"] });
    }

    [TestMethod]
    public void The_constants_of_an_add_and_a_concat_between_8_bit_tensors_are_operands_and_a_float_add_is_not()
    {
        var (graph, layers) = Projection();
        var plan = DeployTensorPlan.Build(graph, layers);

        var operands = ConstantOperands.Find(graph, plan);

        Assert.AreEqual("bias:1:b:mm, concat:1:k:y", string.Join(", ", operands.Select(o => $"{o.Node.Name}:{o.Input}:{o.Constant}:{o.ActivationInput}")));
    }

    [TestMethod]
    public void With_its_constant_dequantized_the_bias_add_fuses_into_qlinear_add()
    {
        var withFloatBias = OptimizedGraph.Of(QuantizedProjection(quantizeBias: false));
        var withQuantizedBias = OptimizedGraph.Of(QuantizedProjection(quantizeBias: true));

        Assert.AreEqual("Add", string.Join(", ", QdqRoundTrips.Find(withFloatBias).FloatNodes.Select(n => n.OpType)),
            "a float constant leaves the Add in float between DequantizeLinear and QuantizeLinear");
        Assert.AreEqual(0, QdqRoundTrips.Find(withQuantizedBias).FloatNodes.Count, Ops(withQuantizedBias));
        Assert.AreEqual(1, withQuantizedBias.Nodes.Count(n => n.OpType == "QLinearAdd"), Ops(withQuantizedBias));
        Assert.AreEqual(0, withQuantizedBias.Nodes.Count(n => n.OpType == "Add"), Ops(withQuantizedBias));
    }

    [TestMethod]
    public void A_quantized_constant_keeps_its_shape_and_values_to_within_half_a_step()
    {
        var (graph, _) = Projection();
        var builder = new QdqBuilder(graph);
        var values = TensorData.ReadFloats(graph.Initializers["b"]);
        var levels = values.Select(v => (int)Math.Clamp(MathF.Round(v / Uint8.Scale) + Uint8.ZeroPoint, 0, 255)).ToArray();

        var dequantized = builder.QuantizedConstant("b", Uint8, levels);

        Assert.AreEqual(dequantized, builder.QuantizedConstant("b", Uint8, levels), "one DequantizeLinear per constant");
        var dq = graph.ProducerOf(dequantized)!;
        Assert.AreEqual("DequantizeLinear", dq.OpType);
        var stored = graph.Initializers[dq.Inputs[0]];
        Assert.AreEqual((int)DataType.Uint8, stored.DataType);
        CollectionAssert.AreEqual(new long[] { 8 }, stored.Dims.ToArray());
        var read = stored.RawData.ToByteArray();
        for (var i = 0; i < values.Length; i++) Assert.AreEqual(values[i], (read[i] - Uint8.ZeroPoint) * Uint8.Scale, Uint8.Scale / 2 + 1e-6f);
    }

    // The projection, its bias Add read by a second projection (whose output, the model's, stays float), with x, mm
    // and y quantized in place, int8 weights, and the bias constant quantized or left float.
    private static OnnxModel QuantizedProjection(bool quantizeBias)
    {
        var (graph, layers) = Projection();
        var projection = layers.Keys.Single(n => n.Name == "proj");
        graph.Nodes.RemoveAll(n => n.Name is "concat" or "proj2" or "neg" or "float_add");
        graph.AddInitializer("w3", TensorData.FromFloats([8, 8], TestModels.Values(5, 8, 8)));
        var reader = graph.AddNode("MatMul", "proj3", ["y", "w3"], ["out"]);
        graph.Outputs.Clear();
        graph.Outputs.Add(ValueInfos.Tensor("out", DataType.Float, 4, 8));
        var plan = DeployTensorPlan.Build(graph, new Dictionary<Node, IReadOnlyList<string>> { [projection] = ["x"], [reader] = ["y"] });
        var operands = ConstantOperands.Find(graph, plan);
        var builder = new QdqBuilder(graph);
        foreach (var tensor in plan.All.ToList()) builder.QuantizeInPlace(tensor, Uint8);
        projection.Inputs[1] = Int8Weight(graph, builder, "w");
        reader.Inputs[1] = Int8Weight(graph, builder, "w3");
        if (quantizeBias)
            foreach (var operand in operands)
            {
                var values = TensorData.ReadFloats(graph.ConstantValue(operand.Constant)!);
                operand.Node.Inputs[operand.Input] = builder.QuantizedConstant(operand.Constant, Uint8, [.. values.Select(v => (int)MathF.Round(v / Uint8.Scale) + Uint8.ZeroPoint)]);
            }
        return new OnnxModel(graph, 13);
    }

    private static string Int8Weight(ModelGraph graph, QdqBuilder builder, string name)
    {
        var weights = TensorData.ReadFloats(graph.Initializers[name]);
        return builder.Int8Weight(name, new WeightQdq([0.01f], [.. weights.Select(v => (sbyte)Math.Clamp(MathF.Round(v / 0.01f), -127, 127))], 1));
    }

    private static string Ops(ModelGraph graph) => string.Join(", ", graph.Nodes.Select(n => n.OpType));
}
