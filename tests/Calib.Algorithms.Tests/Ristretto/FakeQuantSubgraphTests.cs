using Calib.Algorithms.Ristretto;
using Calib.Graph.Execution;
using Calib.Graph.Ir;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Tests.Ristretto;

/// <summary>
/// ONNX Runtime running the fake-quant subgraph and the C# formats give identical values for the same
/// tensor: random values over several binades plus ties, values just below ties, saturating values,
/// zeros and tiny values. Bit for bit, except that a zero's sign is not compared.
/// </summary>
[TestClass]
public sealed class FakeQuantSubgraphTests
{
    private static readonly float[] Values = MakeValues();

    [TestMethod]
    [DataRow(8, 2)]
    [DataRow(4, -1)]
    [DataRow(16, 10)]
    [DataRow(2, 0)]
    [DataRow(1, 3)]
    public void Fixed_point_subgraph_equals_the_format_bit_for_bit(int bits, int fl)
    {
        var format = new DynamicFixedPoint(bits, fl);
        var onnx = Run((g, n) => FakeQuantSubgraph.Build(g, n, "q", "x", "y", format));
        AssertBitwise(Values.Select(v => format.Quantize(v)).ToArray(), onnx);
    }

    [TestMethod]
    [DataRow(3, 4)]
    [DataRow(10, 5)]
    [DataRow(2, 3)]
    [DataRow(0, 2)]
    [DataRow(23, 8)]
    public void Minifloat_subgraph_equals_the_format_bit_for_bit(int mantissa, int exponent)
    {
        var format = new Minifloat(mantissa, exponent);
        var onnx = Run((g, n) => FakeQuantSubgraph.Build(g, n, "q", "x", "y", format));
        AssertBitwise(Values.Select(v => format.Quantize(v)).ToArray(), onnx);
    }

    private static void AssertBitwise(float[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            // The sign of a zero result is the one bit the paths may disagree on (Sign(−0) is 0 in ONNX).
            if (expected[i] == 0 && actual[i] == 0) continue;
            Assert.AreEqual(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(actual[i]),
                $"input {Values[i]:R}: C# {expected[i]:R}, ONNX {actual[i]:R}");
        }
    }

    private static float[] Run(Func<ModelGraph, UniqueNames, IReadOnlyList<Node>> build)
    {
        var graph = new ModelGraph("fake_quant");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, Values.Length));
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, Values.Length));
        graph.Nodes.AddRange(build(graph, graph.NameScope()));
        using var runner = ModelRunner.Create(new OnnxModel(graph, 13));
        using var result = runner.Run("x", Values, [Values.Length]);
        return result.Floats("y").ToArray();
    }

    private static float[] MakeValues()
    {
        var random = new Random(2026);
        var values = new List<float> { 0f, -0f, 1e-30f, -1e-40f, 1e30f, -1e30f, float.Epsilon };
        for (var k = -12; k <= 12; k++)
        {
            var tie = MathF.Pow(2, k) * 1.5f;
            values.AddRange([tie, -tie, MathF.BitDecrement(tie), MathF.BitIncrement(-tie), MathF.Pow(2, k), -MathF.Pow(2, k)]);
            // Minifloat mantissa ties: 1 + 2^−(m+1) at every exponent.
            for (var m = 0; m <= 10; m++) values.Add(MathF.Pow(2, k) * (1 + MathF.Pow(2, -m - 1)));
        }
        for (var i = 0; i < 4000; i++)
            values.Add((float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-20, 20))));
        return values.ToArray();
    }
}
