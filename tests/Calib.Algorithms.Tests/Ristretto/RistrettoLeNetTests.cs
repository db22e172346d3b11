using Calib.Algorithms.Workflows;
using Calib.Graph.Execution;
using Calib.Algorithms.Data;
using Calib.Algorithms.Ristretto;
using Calib.Graph.Caffe.Proto;
using Calib.Graph.Onnx;
using Calib.Graph.TextFormat;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Ristretto;

/// <summary>
/// Ristretto's LeNet example: the Caffe LeNet of ../shared/data/caffe/lenet-mnist scored on the MNIST
/// test set, 100 iterations of batch 100, with a 1 % margin, in all three trimming modes.
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class RistrettoLeNetTests
{
    private static RistrettoOutcome _fixedPoint = null!;
    private static string _output = "";

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void Quantize(TestContext _)
    {
        _output = RepoPaths.NewTempDirectory();
        _fixedPoint = Run(RistrettoPrecision.DynamicFixedPoint, "quantized.prototxt");
    }

    [TestMethod]
    public void Fixed_point_16_and_8_bit_rows_equal_float_within_a_tenth_of_a_point()
    {
        var analysis = _fixedPoint.Analysis;
        TestContext.WriteLine(analysis.Report());
        Assert.AreEqual(10_000, _fixedPoint.Samples);
        foreach (var part in new[] { RistrettoAnalysis.ConvWeights, RistrettoAnalysis.FcWeights, RistrettoAnalysis.Activations })
            foreach (var bits in new[] { 16, 8 })
            {
                var row = analysis.Rows.Single(r => r.Part == part && r.BitWidth == bits);
                Assert.AreEqual(analysis.Baseline, row.Accuracy, 0.001, $"{part} at {bits} bits");
            }
    }

    [TestMethod]
    public void The_chosen_net_is_within_the_margin_or_asks_for_fine_tuning()
    {
        var analysis = _fixedPoint.Analysis;
        Assert.AreEqual(!analysis.WithinMargin, analysis.Report().Contains("Please fine-tune."));
        // Each chosen width is the smallest that held the margin in its own sweep.
        foreach (var (part, bits) in analysis.Chosen)
        {
            var rows = analysis.Rows.Where(r => r.Part == part).ToList();
            Assert.IsTrue(rows.Where(r => r.BitWidth >= bits).All(r => r.Accuracy + 0.01 >= analysis.Baseline), part);
            Assert.IsTrue(rows.Last().BitWidth == bits || rows.Last().Accuracy + 0.01 < analysis.Baseline, part);
        }
    }

    [TestMethod]
    public void The_written_prototxt_parses_back_with_the_chosen_bit_widths()
    {
        var path = Path.Combine(_output, "quantized.prototxt");
        var net = TextFormatReader.Parse<NetParameter>(File.ReadAllText(path), path);
        var chosen = _fixedPoint.Analysis.Chosen;
        var conv = net.Layer.Where(l => l.Type == "ConvolutionRistretto").ToList();
        var fc = net.Layer.Where(l => l.Type == "FcRistretto").ToList();
        CollectionAssert.AreEqual(new[] { "conv1", "conv2" }, conv.Select(l => l.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "ip1", "ip2" }, fc.Select(l => l.Name).ToArray());
        foreach (var layer in conv.Concat(fc))
        {
            var q = layer.QuantizationParam;
            Assert.AreEqual(QuantizationParameter.Types.Precision.DynamicFixedPoint, q.Precision);
            Assert.AreEqual((uint)chosen[layer.Type == "FcRistretto" ? RistrettoAnalysis.FcWeights : RistrettoAnalysis.ConvWeights], q.BwParams, layer.Name);
            Assert.AreEqual((uint)chosen[RistrettoAnalysis.Activations], q.BwLayerIn, layer.Name);
            Assert.AreEqual((uint)chosen[RistrettoAnalysis.Activations], q.BwLayerOut, layer.Name);
            var ranges = _fixedPoint.Ranges[layer.Name];
            Assert.AreEqual((int)q.BwParams - ranges.ParamsIntegerLength, q.FlParams, layer.Name);
            Assert.AreEqual((int)q.BwLayerOut - ranges.OutputIntegerLength, q.FlLayerOut, layer.Name);
        }
        // Every other layer is as in the input prototxt.
        var original = TextFormatReader.Parse<NetParameter>(File.ReadAllText(Lenet("lenet_train_test.prototxt")), "original");
        Assert.HasCount(original.Layer.Count, net.Layer);
        foreach (var (before, after) in original.Layer.Zip(net.Layer).Where(p => p.Second.QuantizationParam is null))
            Assert.AreEqual(before, after);
    }

    [TestMethod]
    public void The_simulation_model_scores_the_chosen_nets_accuracy()
    {
        var path = Path.Combine(_output, "quantized_simulation.onnx");
        Assert.IsNull(OnnxChecker.Check(path));
        // Scored afresh on the same 100 batches of 100, with LeNet's own input scale (Caffe's transform_param).
        var set = LabelledImages.Open(RepoPaths.SharedData("mnist"), 10_000, new InputLayout(1, 28, 28), new Preprocessing { Scale = 0.00390625f });
        var accuracy = new AccuracyScorer(set, "ip2", 100, 100, ExecutionOptions.Default).Accuracy(OnnxModelFile.Load(path));
        Assert.AreEqual(_fixedPoint.Analysis.Accuracy, accuracy, 1e-12);
    }

    [TestMethod]
    public void Minifloat_reaches_float_accuracy_at_16_bits_or_less()
    {
        var outcome = Run(RistrettoPrecision.Minifloat, "minifloat.prototxt");
        var analysis = outcome.Analysis;
        var report = analysis.Report();
        TestContext.WriteLine(report);
        // The exponent reaches LeNet's weights and input pixels (underflow), not only its activations (saturation).
        Assert.AreEqual(MinifloatExponent.Choose(outcome.Ranges.Values), analysis.Exponent);
        Assert.IsGreaterThan(analysis.Exponent!.Saturation, analysis.Exponent.Bits, "the saturation rule alone flushes LeNet's weights");
        Assert.AreEqual(16, analysis.Rows[0].BitWidth);
        Assert.AreEqual(analysis.Baseline, analysis.Rows[0].Accuracy, 0.001, "16-bit minifloat is float accuracy");
        Assert.IsLessThanOrEqualTo(16, analysis.Chosen[RistrettoAnalysis.MinifloatNet]);
        Assert.IsTrue(analysis.WithinMargin, "the chosen minifloat net is within the 1-point margin");
        Assert.DoesNotContain("Please fine-tune.", report);
        foreach (var row in analysis.Rows)
            StringAssert.Contains(report, $"{row.BitWidth}bit: \t", StringComparison.Ordinal);
        Assert.AreEqual(analysis.Rows.Count, report.Split('\n').Count(l => l.Contains($"({analysis.ExponentBits} exponent, ")), "every row shows its exponent and mantissa bits");
        var net = TextFormatReader.Parse<NetParameter>(File.ReadAllText(Path.Combine(_output, "minifloat.prototxt")), "minifloat");
        var q = net.Layer.Single(l => l.Name == "conv1").QuantizationParam;
        Assert.AreEqual(QuantizationParameter.Types.Precision.Minifloat, q.Precision);
        Assert.AreEqual((uint)analysis.ExponentBits!, q.ExpBits);
        Assert.AreEqual((uint)analysis.Chosen[RistrettoAnalysis.MinifloatNet], 1 + q.ExpBits + q.MantBits);
    }

    [TestMethod]
    public void Power_of_two_mode_runs_and_reports()
    {
        var outcome = Run(RistrettoPrecision.IntegerPowerOf2Weights, "power_of_two.prototxt");
        TestContext.WriteLine(outcome.Analysis.Report());
        var row = outcome.Analysis.Rows.Single();
        Assert.AreEqual(4, row.BitWidth);
        Assert.IsGreaterThan(0.5, row.Accuracy, "power-of-two LeNet should stay far above chance");
        var net = TextFormatReader.Parse<NetParameter>(File.ReadAllText(Path.Combine(_output, "power_of_two.prototxt")), "pow2");
        var q = net.Layer.Single(l => l.Name == "ip1").QuantizationParam;
        Assert.AreEqual(QuantizationParameter.Types.Precision.IntegerPowerOf2Weights, q.Precision);
        Assert.AreEqual((-8, -1, 8u, 8u), (q.ExpMin, q.ExpMax, q.BwLayerIn, q.BwLayerOut));
    }

    private static RistrettoOutcome Run(RistrettoPrecision mode, string output) => RistrettoQuantization.Execute(new RistrettoRequest
    {
        ModelPath = Lenet("lenet_train_test.prototxt"),
        WeightsPath = Lenet("lenet_iter_10000.caffemodel"),
        QuantizedModelPath = Path.Combine(_output, output),
        TrimmingMode = mode,
        ErrorMargin = 1,
        Iterations = 100,
        BatchSize = 100,
        EvalSet = RepoPaths.SharedData("mnist"),
    });

    private static string Lenet(string file) => RepoPaths.SharedData("caffe", "lenet-mnist", file);
}
