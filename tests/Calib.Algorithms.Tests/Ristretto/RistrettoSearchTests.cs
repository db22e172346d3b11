using Calib.Algorithms.Ristretto;
using Calib.Graph.Ir;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Tests.Ristretto;

/// <summary>
/// Ristretto's search order and choice with a scorer that reads the candidate's formats: the sweep
/// stops after the first width that misses the margin, each part takes the smallest width that held
/// it, a part that misses even at 16 bits stays at 32, and the parts are searched one at a time.
/// </summary>
[TestClass]
public sealed class RistrettoSearchTests
{
    private static readonly OnnxModel Model = TwoLayerModel();
    private static readonly IReadOnlyList<RistrettoLayer> Layers = RistrettoLayer.Find(Model.Graph);
    private static readonly Dictionary<string, LayerRanges> Ranges = new()
    {
        ["conv"] = new LayerRanges(1.0, 6.0, 0.4),
        ["fc"] = new LayerRanges(6.0, 20.0, 0.2),
    };

    [TestMethod]
    public void The_model_has_one_conv_and_one_fc_layer() =>
        CollectionAssert.AreEqual(new[] { RistrettoLayerKind.Convolution, RistrettoLayerKind.InnerProduct }, Layers.Select(l => l.Kind).ToArray());

    [TestMethod]
    public void Each_part_takes_the_smallest_width_within_the_margin()
    {
        // Accuracy 0.99 − 0.003 per halving below 16 bits for weights, 0.008 per halving for activations.
        var analysis = Search(formats => 0.99 - Penalty(formats, weights: 0.003, activations: 0.008)).Run(RistrettoPrecision.DynamicFixedPoint, 0.99);
        CollectionAssert.AreEqual(new[] { 16, 8, 4, 2, 1 }, Widths(analysis, RistrettoAnalysis.ConvWeights));
        CollectionAssert.AreEqual(new[] { 16, 8, 4 }, Widths(analysis, RistrettoAnalysis.Activations));
        Assert.AreEqual(2, analysis.Chosen[RistrettoAnalysis.ConvWeights]);   // 1 bit: 0.99 − 0.012 misses 1 %
        Assert.AreEqual(8, analysis.Chosen[RistrettoAnalysis.Activations]);   // 4 bits: 0.99 − 0.016 misses
        var conv = analysis.Formats.Single(f => f.Key == "conv").Value;
        Assert.AreEqual(new DynamicFixedPoint(2, 2 - 0), conv.Params);   // il = ceil(log2 0.4) + 1 = 0
        Assert.AreEqual(new DynamicFixedPoint(8, 8 - 4), conv.LayerOut); // il = ceil(log2 6) + 1 = 4
    }

    [TestMethod]
    public void A_part_that_misses_even_at_16_bits_stays_at_32()
    {
        var analysis = Search(formats => formats.Any(f => f.Value.LayerIn is not null) ? 0.5 : 0.99).Run(RistrettoPrecision.DynamicFixedPoint, 0.99);
        CollectionAssert.AreEqual(new[] { 16 }, Widths(analysis, RistrettoAnalysis.Activations));
        Assert.AreEqual(32, analysis.Chosen[RistrettoAnalysis.Activations]);
        Assert.IsFalse(analysis.WithinMargin);
        StringAssert.EndsWith(analysis.Report(), "Please fine-tune.\n");
    }

    [TestMethod]
    public void Weights_are_searched_with_the_rest_of_the_net_in_float()
    {
        var seen = new List<string>();
        Search(formats =>
        {
            seen.Add(string.Join(",", formats.Select(f => $"{f.Key}:{f.Value.Params?.BitWidth}/{f.Value.LayerIn?.BitWidth}")));
            return 0.99;
        }).Run(RistrettoPrecision.DynamicFixedPoint, 0.99);
        Assert.AreEqual("conv:16/", seen[0]);
        Assert.AreEqual("fc:16/", seen[5]);
        Assert.AreEqual("conv:/16,fc:/16", seen[10]);
        Assert.AreEqual("conv:1/1,fc:1/1", seen[^1]);
    }

    [TestMethod]
    public void Minifloat_exponent_reaches_the_weights_and_the_mantissa_shrinks_while_the_margin_holds()
    {
        var analysis = Search(_ => 0.99).Run(RistrettoPrecision.Minifloat, 0.99);
        // Saturation needs 3 bits (20 < 2^(2^2+1)), Ristretto starts at 4, but the fc weights' largest 0.2
        // needs magnitudes down to 0.2·2^−8 ≈ 2^−10.3 kept: bias 11 or more, 5 bits.
        Assert.AreEqual(new MinifloatExponent(5, 3, 5), analysis.Exponent);
        Assert.AreEqual(5, analysis.ExponentBits);
        // 16, 8, then one mantissa bit at a time: 7 bits leave one mantissa bit, the last.
        CollectionAssert.AreEqual(new[] { 16, 8, 7 }, Widths(analysis, RistrettoAnalysis.MinifloatNet));
        Assert.AreEqual(new Minifloat(1, 5), analysis.Formats[0].Value.Minifloat);
        StringAssert.Contains(analysis.Report(), "16bit: \t0.99 \t(5 exponent, 10 mantissa bits)\n");
        StringAssert.Contains(analysis.Report(), "Exponent bits: 5 (saturation needs 3, underflow 5, Ristretto's minimum 4)\n");
    }

    [TestMethod]
    public void Minifloat_mantissa_search_stops_at_the_first_width_that_misses()
    {
        // 0.0015 lost per mantissa bit below 10: 8 bits (2 mantissa) miss, 10 bits (4 mantissa) hold, 9 miss.
        var analysis = Search(formats => 0.99 - 0.0015 * (10 - formats[0].Value.Minifloat!.MantissaBits)).Run(RistrettoPrecision.Minifloat, 0.99);
        CollectionAssert.AreEqual(new[] { 16, 8, 15, 14, 13, 12, 11, 10, 9 }, Widths(analysis, RistrettoAnalysis.MinifloatNet));
        Assert.AreEqual(10, analysis.Chosen[RistrettoAnalysis.MinifloatNet]);
        Assert.AreEqual(0.99 - 0.0015 * 6, analysis.Accuracy, 1e-12);
        Assert.IsTrue(analysis.WithinMargin);
    }

    [TestMethod]
    public void Power_of_two_has_8_bit_activations()
    {
        var analysis = Search(_ => 0.98).Run(RistrettoPrecision.IntegerPowerOf2Weights, 0.99);
        var fc = analysis.Formats.Single(f => f.Key == "fc").Value;
        Assert.AreEqual(PowerOfTwo.Ristretto, fc.PowerOfTwoWeights);
        Assert.AreEqual(new DynamicFixedPoint(8, 8 - 6), fc.LayerOut); // il = ceil(log2 20) + 1
        StringAssert.Contains(analysis.Report(), "4bit: \t0.98\n");
    }

    private static RistrettoSearch Search(Func<IReadOnlyList<KeyValuePair<string, RistrettoLayerFormat>>, double> score) =>
        new(Layers, Ranges, score, errorMargin: 1, progress: null);

    // A drop per halving below 16 bits of the narrowest weights and of the narrowest activations.
    private static double Penalty(IReadOnlyList<KeyValuePair<string, RistrettoLayerFormat>> formats, double weights, double activations)
    {
        var weightBits = formats.Select(f => f.Value.Params?.BitWidth ?? 16).DefaultIfEmpty(16).Min();
        var activationBits = formats.Select(f => f.Value.LayerIn?.BitWidth ?? 16).DefaultIfEmpty(16).Min();
        return weights * Math.Log2(16.0 / weightBits) + activations * Math.Log2(16.0 / activationBits);
    }

    private static int[] Widths(RistrettoAnalysis analysis, string part) => analysis.Rows.Where(r => r.Part == part).Select(r => r.BitWidth).ToArray();

    private static OnnxModel TwoLayerModel()
    {
        var graph = new ModelGraph("two_layers");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "n", 1, 4, 4));
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, "n", 3));
        graph.AddInitializer("w_conv", TensorData.FromFloats([2, 1, 3, 3], Enumerable.Range(0, 18).Select(i => i * 0.02f).ToArray()));
        graph.AddInitializer("w_fc", TensorData.FromFloats([8, 3], Enumerable.Range(0, 24).Select(i => i * 0.01f).ToArray()));
        graph.AddInitializer("shape", TensorData.FromInt64s([2], [-1, 8]));
        graph.AddNode("Conv", "conv", ["x", "w_conv"], ["c"]);
        graph.AddNode("Reshape", "flatten", ["c", "shape"], ["f"]);
        graph.AddNode("MatMul", "fc", ["f", "w_fc"], ["y"]);
        return new OnnxModel(graph, 13);
    }
}
