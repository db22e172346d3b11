using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Calib.Graph.Passes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Passes;

[TestClass]
public sealed class CrossLayerEqualizationTests
{
    [TestMethod]
    public void Conv_relu_conv_keeps_its_outputs_and_ends_with_equal_channel_ranges()
    {
        var model = ConvChain("Relu");
        var equalized = model.Clone();

        var changes = new CrossLayerEqualization().Apply(equalized);

        Assert.AreEqual(1, changes.Count, string.Join("\n", changes));
        StringAssert.Contains(changes[0], "'conv1' with Conv 'conv2' through Relu (8 channels)");
        AssertSameOutputs(model, equalized, [2, 3, 6, 6]);
        var (before, after) = (OutputRanges(model, "w1"), OutputRanges(equalized, "w1"));
        AssertEqualRanges(after, InputRanges(equalized, "w2"));
        // Each channel's range became √(r1·r2): the product of the two is untouched.
        var inputsBefore = InputRanges(model, "w2");
        for (var c = 0; c < before.Length; c++)
            Assert.AreEqual(Math.Sqrt(before[c] * inputsBefore[c]), after[c], 1e-5 * after[c], $"channel {c}");
        Assert.IsTrue(before.Max() / before.Min() > 50 && after.Max() / after.Min() < before.Max() / before.Min() / 5,
            $"ranges before {Spread(before)}, after {Spread(after)}");
    }

    [TestMethod]
    public void Conv_depthwise_pointwise_settles_every_channel_to_one_range_across_the_three_layers()
    {
        var model = DepthwiseSeparable();
        var equalized = model.Clone();

        var changes = new CrossLayerEqualization().Apply(equalized);

        Assert.AreEqual(2, changes.Count, string.Join("\n", changes));
        StringAssert.Contains(changes[0], "'conv' with Conv 'depthwise' through PRelu");
        StringAssert.Contains(changes[1], "'depthwise' with Conv 'pointwise' through MaxPool");
        AssertSameOutputs(model, equalized, [2, 3, 8, 8]);
        var depthwise = OutputRanges(equalized, "w_dw");
        AssertEqualRanges(OutputRanges(equalized, "w_conv"), depthwise, tolerance: 1e-3);
        AssertEqualRanges(depthwise, InputRanges(equalized, "w_pw"), tolerance: 1e-3);
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(1L)]
    public void Gemm_relu_gemm_and_gemm_matmul_keep_their_outputs(long transB)
    {
        var model = GemmChain(transB);
        var equalized = model.Clone();

        var changes = new CrossLayerEqualization().Apply(equalized);

        Assert.AreEqual(2, changes.Count, string.Join("\n", changes));
        AssertSameOutputs(model, equalized, [4, 5]);
    }

    [TestMethod]
    [DataRow("Clip")]
    [DataRow("Sigmoid")]
    [DataRow("HardSigmoid")]
    public void A_middle_node_that_is_not_homogeneous_leaves_the_pair_alone(string op)
    {
        var model = ConvChain(op);

        AssertLeftAlone(model);
    }

    [TestMethod]
    public void A_layer_output_with_another_reader_leaves_the_pair_alone()
    {
        var model = ConvChain("Relu");
        model.Graph.AddNode("Sigmoid", "other_reader", ["c1"], ["side"]);
        model.Graph.Outputs.Add(ValueInfos.Tensor("side", DataType.Float, null));

        AssertLeftAlone(model);
    }

    [TestMethod]
    public void A_middle_output_that_is_a_graph_output_leaves_the_pair_alone()
    {
        var model = ConvChain("Relu");
        model.Graph.Outputs.Add(ValueInfos.Tensor("m0", DataType.Float, null));

        AssertLeftAlone(model);
    }

    [TestMethod]
    public void A_shared_weight_leaves_the_pair_alone()
    {
        var model = ConvChain("Relu");
        model.Graph.AddNode("Conv", "twin", ["x", "w1"], ["twin_out"]);
        model.Graph.Outputs.Add(ValueInfos.Tensor("twin_out", DataType.Float, null));

        AssertLeftAlone(model);
    }

    [TestMethod]
    public void Preparation_equalizes_only_when_asked_and_after_folding_batchnorm()
    {
        var model = ConvChain("BatchNormalization", "Relu");

        var (_, plainChanges) = GraphPreparation.Run(model, new GraphPreparation.Options());
        var (equalized, changes) = GraphPreparation.Run(model, new GraphPreparation.Options(Equalize: true));

        Assert.IsFalse(plainChanges.Any(c => c.Pass == CrossLayerEqualization.PassName));
        Assert.AreEqual(1, changes.Count(c => c.Pass == CrossLayerEqualization.PassName));
        Assert.AreEqual(CrossLayerEqualization.PassName, changes[^1].Pass);
        AssertSameOutputs(model, equalized, [2, 3, 6, 6]);
        AssertEqualRanges(OutputRanges(equalized, "w1"), InputRanges(equalized, "w2"));
    }

    private static void AssertLeftAlone(OnnxModel model)
    {
        var equalized = model.Clone();
        var changes = new CrossLayerEqualization().Apply(equalized);
        Assert.AreEqual(0, changes.Count, string.Join("\n", changes));
        foreach (var name in model.Graph.Initializers.Keys)
            CollectionAssert.AreEqual(TensorData.ReadFloats(model.Graph.Initializers[name]), TensorData.ReadFloats(equalized.Graph.Initializers[name]), name);
    }

    // x [N,3,6,6] → conv1 (8 channels, ranges spread over 3 decades) → middle nodes → conv2 (4 channels) → y.
    private static OnnxModel ConvChain(params string[] middle)
    {
        var random = new Random(11);
        var graph = new ModelGraph("conv_chain");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 3, 6, 6));
        graph.AddInitializer("w1", SpreadWeights(random, [8, 3, 3, 3]));
        graph.AddInitializer("b1", TensorData.FromFloats([8], Uniform(random, 8, -0.5, 0.5)));
        graph.AddNode("Conv", "conv1", ["x", "w1", "b1"], ["c1"]).Attributes.Set("pads", [1L, 1, 1, 1]);
        var tensor = "c1";
        foreach (var (op, index) in middle.Select((m, i) => (m, i)))
        {
            var output = $"m{index}";
            var inputs = new List<string> { tensor };
            if (op == "BatchNormalization")
                foreach (var (name, lo, hi) in new[] { ("gamma", 0.5, 2.0), ("beta", -1.0, 1.0), ("mean", -1.0, 1.0), ("var", 0.1, 3.0) })
                {
                    graph.AddInitializer(name, TensorData.FromFloats([8], Uniform(random, 8, lo, hi)));
                    inputs.Add(name);
                }
            var node = graph.AddNode(op, $"middle{index}", inputs, [output]);
            if (op == "Clip")
            {
                graph.AddInitializer("lo", TensorData.FromFloats([], [0f]));
                graph.AddInitializer("hi", TensorData.FromFloats([], [6f]));
                node.Inputs.AddRange(["lo", "hi"]);
            }
            tensor = output;
        }
        graph.AddInitializer("w2", TensorData.FromFloats([4, 8, 3, 3], Uniform(random, 4 * 8 * 9, -1, 1)));
        graph.AddInitializer("b2", TensorData.FromFloats([4], Uniform(random, 4, -0.5, 0.5)));
        graph.AddNode("Conv", "conv2", [tensor, "w2", "b2"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, null));
        return new OnnxModel(graph, 13);
    }

    // x [N,3,8,8] → conv (8) → PRelu (per-channel slopes) → depthwise 3×3 (group 8) → MaxPool 2×2 → pointwise 1×1 (5) → y.
    private static OnnxModel DepthwiseSeparable()
    {
        var random = new Random(5);
        var graph = new ModelGraph("depthwise_separable");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 3, 8, 8));
        graph.AddInitializer("w_conv", SpreadWeights(random, [8, 3, 3, 3]));
        graph.AddInitializer("b_conv", TensorData.FromFloats([8], Uniform(random, 8, -0.5, 0.5)));
        graph.AddInitializer("slope", TensorData.FromFloats([8, 1, 1], Uniform(random, 8, 0.05, 0.3)));
        graph.AddInitializer("w_dw", SpreadWeights(random, [8, 1, 3, 3]));
        graph.AddInitializer("b_dw", TensorData.FromFloats([8], Uniform(random, 8, -0.5, 0.5)));
        graph.AddInitializer("w_pw", TensorData.FromFloats([5, 8, 1, 1], Uniform(random, 40, -1, 1)));
        graph.AddNode("Conv", "conv", ["x", "w_conv", "b_conv"], ["c"]).Attributes.Set("pads", [1L, 1, 1, 1]);
        graph.AddNode("PRelu", "prelu", ["c", "slope"], ["p"]);
        var depthwise = graph.AddNode("Conv", "depthwise", ["p", "w_dw", "b_dw"], ["d"]);
        depthwise.Attributes.Set("group", 8L);
        depthwise.Attributes.Set("pads", [1L, 1, 1, 1]);
        var pool = graph.AddNode("MaxPool", "pool", ["d"], ["m"]);
        pool.Attributes.Set("kernel_shape", [2L, 2]);
        pool.Attributes.Set("strides", [2L, 2]);
        graph.AddNode("Conv", "pointwise", ["m", "w_pw"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, null));
        return new OnnxModel(graph, 13);
    }

    // x [N,5] → gemm1 (6, ranges spread) → LeakyRelu → gemm2 (7) → matmul (3) → y.
    private static OnnxModel GemmChain(long transB)
    {
        var random = new Random(2);
        var graph = new ModelGraph("gemm_chain");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 5));
        var spread = SpreadWeights(random, [6, 5]);
        graph.AddInitializer("w1", transB == 1 ? spread : Transposed(spread));
        graph.AddInitializer("b1", TensorData.FromFloats([6], Uniform(random, 6, -0.5, 0.5)));
        graph.AddInitializer("w2", TensorData.FromFloats(transB == 1 ? [7, 6] : [6, 7], Uniform(random, 42, -1, 1)));
        graph.AddInitializer("b2", TensorData.FromFloats([7], Uniform(random, 7, -0.5, 0.5)));
        graph.AddInitializer("w3", TensorData.FromFloats([7, 3], Uniform(random, 21, -1, 1)));
        var gemm1 = graph.AddNode("Gemm", "gemm1", ["x", "w1", "b1"], ["g1"]);
        gemm1.Attributes.Set("transB", transB);
        gemm1.Attributes.Set("beta", 0.5f);
        graph.AddNode("LeakyRelu", "leaky", ["g1"], ["l"]);
        graph.AddNode("Gemm", "gemm2", ["l", "w2", "b2"], ["g2"]).Attributes.Set("transB", transB);
        graph.AddNode("MatMul", "matmul", ["g2", "w3"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, null));
        return new OnnxModel(graph, 13);
    }

    // Uniform weights whose output channel c is multiplied by 10^(−2 … 1): ranges a per-tensor scale serves badly.
    private static TensorProto SpreadWeights(Random random, long[] dims)
    {
        var perChannel = (int)(dims.Aggregate(1L, (a, d) => a * d) / dims[0]);
        var values = Uniform(random, (int)dims[0] * perChannel, -1, 1);
        for (var c = 0; c < dims[0]; c++)
        {
            var factor = (float)Math.Pow(10, -2 + 3.0 * c / (dims[0] - 1));
            for (var i = 0; i < perChannel; i++) values[c * perChannel + i] *= factor;
        }
        return TensorData.FromFloats(dims, values);
    }

    private static TensorProto Transposed(TensorProto matrix)
    {
        var (rows, columns) = ((int)matrix.Dims[0], (int)matrix.Dims[1]);
        var values = TensorData.ReadFloats(matrix);
        var transposed = new float[values.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++) transposed[c * rows + r] = values[r * columns + c];
        return TensorData.FromFloats([columns, rows], transposed);
    }

    private static float[] Uniform(Random random, int count, double lo, double hi) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)(lo + random.NextDouble() * (hi - lo)))];

    // Largest |w| per output channel (axis 0) of a Conv weight.
    private static double[] OutputRanges(OnnxModel model, string weight)
    {
        var tensor = model.Graph.Initializers[weight];
        var values = TensorData.ReadFloats(tensor);
        var perChannel = values.Length / (int)tensor.Dims[0];
        return [.. Enumerable.Range(0, (int)tensor.Dims[0]).Select(c => values.Skip(c * perChannel).Take(perChannel).Max(v => (double)Math.Abs(v)))];
    }

    // Largest |w| reading each input channel (axis 1) of a group-1 Conv weight.
    private static double[] InputRanges(OnnxModel model, string weight)
    {
        var tensor = model.Graph.Initializers[weight];
        var values = TensorData.ReadFloats(tensor);
        var inputs = (int)tensor.Dims[1];
        var kernel = values.Length / (int)tensor.Dims[0] / inputs;
        var ranges = new double[inputs];
        for (var i = 0; i < values.Length; i++)
        {
            var c = i / kernel % inputs;
            ranges[c] = Math.Max(ranges[c], Math.Abs(values[i]));
        }
        return ranges;
    }

    private static void AssertEqualRanges(double[] expected, double[] actual, double tolerance = 1e-5)
    {
        Assert.AreEqual(expected.Length, actual.Length);
        for (var c = 0; c < expected.Length; c++)
            Assert.AreEqual(expected[c], actual[c], tolerance * expected[c], $"channel {c}: {Spread(expected)} vs {Spread(actual)}");
    }

    private static string Spread(double[] ranges) => string.Join(" ", ranges.Select(r => r.ToString("G3")));

    // The same outputs through ONNX Runtime on random inputs: cosine ≥ 0.999999 and a max difference at float32 rounding.
    private static void AssertSameOutputs(OnnxModel expected, OnnxModel actual, int[] inputShape)
    {
        using var a = ModelRunner.Create(expected);
        using var b = ModelRunner.Create(actual);
        var input = TestModels.Values(9, inputShape);
        var shape = inputShape.Select(d => (long)d).ToArray();
        using var ra = a.Run(a.InputNames[0], input, shape);
        using var rb = b.Run(b.InputNames[0], input, shape);
        var (x, y) = (ra.Floats(a.OutputNames[0]).ToArray(), rb.Floats(b.OutputNames[0]).ToArray());
        Assert.AreEqual(x.Length, y.Length);
        var dot = x.Zip(y).Sum(p => (double)p.First * p.Second);
        var cosine = dot / Math.Sqrt(x.Sum(v => (double)v * v) * y.Sum(v => (double)v * v));
        var worst = x.Zip(y).Max(p => Math.Abs(p.First - p.Second));
        Assert.IsTrue(cosine >= 0.999999, $"cosine {cosine}");
        Assert.IsTrue(worst <= 1e-5 * Math.Max(1, x.Max(Math.Abs)), $"max abs difference {worst}");
    }
}
