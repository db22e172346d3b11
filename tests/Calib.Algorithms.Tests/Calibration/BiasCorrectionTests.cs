using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Export;
using Calib.Algorithms.Quantization;
using Calib.Algorithms.Workflows;
using Calib.Graph.Analysis;
using Calib.Graph.Execution;
using Calib.Graph.IO;
using Calib.Graph.Ir;
using Calib.Tests.Shared;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Tests.Calibration;

/// <summary>Empirical bias correction on a net built here whose int8 weights shift every output the same way.</summary>
[TestClass]
public sealed class BiasCorrectionTests
{
    private const float Small = 0.003f;

    // conv1 → Relu → conv2: each output channel has one weight of 1 and the rest 0.003, which per-channel int8 (step 1/127)
    // rounds to 0 — every output loses Σ small weights × its input: a shift of the mean, the same on every input.
    private static OnnxModel SkewedNet()
    {
        var graph = new ModelGraph("skewed");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1, 2, 8, 8));
        graph.AddInitializer("w1", Weights(4, 2));
        graph.AddInitializer("b1", TensorData.FromFloats([4], new float[4]));
        graph.AddInitializer("w2", Weights(3, 4));
        graph.AddInitializer("b2", TensorData.FromFloats([3], [0.1f, -0.1f, 0.2f]));
        graph.AddNode("Conv", "conv1", ["x", "w1", "b1"], ["c1"]).Attributes.Set("pads", [1L, 1, 1, 1]);
        graph.AddNode("Relu", "relu", ["c1"], ["r1"]);
        graph.AddNode("Conv", "conv2", ["r1", "w2", "b2"], ["y"]).Attributes.Set("pads", [1L, 1, 1, 1]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 1, 3, 8, 8));
        return new OnnxModel(graph, opsetVersion: 13);
    }

    private static Calib.Graph.Onnx.Proto.TensorProto Weights(int outputs, int inputs)
    {
        var values = Enumerable.Repeat(Small, outputs * inputs * 9).ToArray();
        for (var o = 0; o < outputs; o++) values[o * inputs * 9 + 4] = 1f;
        return TensorData.FromFloats([outputs, inputs, 3, 3], values);
    }

    private static List<ModelFeed> Feeds(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => new ModelFeed(i, new Dictionary<string, TypedArray>
        {
            ["x"] = TypedArray.FromFloats([.. Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble())], [1, 2, 8, 8]),
        }, [], 1)).ToList();
    }

    private static (CalibrationPlan Plan, QuantizationResult Result) Calibrate(OnnxModel model, IReadOnlyList<ModelFeed> feeds)
    {
        var verdicts = QuantizableLayerFinder.Classify(model);
        var config = QuantConfig.Default(verdicts.Where(v => v.IsQuantizable).Select(v => v.Node.Name), LayerQuantSettings.Default);
        var plan = CalibrationPlan.Build(model, verdicts, config);
        var statistics = ActivationStatistics.Collect(model, plan.ObservedTensors, feeds, ExecutionOptions.Default, t => t);
        return (plan, LayerQuantizer.Quantize(plan, statistics, new ActivationQuantSettings(ActivationAlgorithm.MinMax, new ActivationAlgorithmOptions())));
    }

    // Mean of float − quantized output, and the output SQNR, over held-out feeds.
    private static (double MeanError, double SqnrDb) OutputError(OnnxModel floatModel, OnnxModel quantized, IEnumerable<ModelFeed> feeds)
    {
        using var reference = ModelRunner.Create(floatModel);
        using var candidate = ModelRunner.Create(quantized);
        double error = 0, signal = 0, squared = 0;
        long count = 0;
        foreach (var feed in feeds)
        {
            using var f = reference.Run(feed.Inputs);
            using var q = candidate.Run(feed.Inputs);
            var expected = f.Floats("y");
            var actual = q.Floats("y");
            for (var i = 0; i < expected.Length; i++)
            {
                error += expected[i] - actual[i];
                squared += (expected[i] - actual[i]) * (expected[i] - actual[i]);
                signal += expected[i] * expected[i];
            }
            count += expected.Length;
        }
        return (error / count, 10 * Math.Log10(signal / squared));
    }

    [TestMethod]
    public void Corrected_biases_remove_the_mean_output_error_of_both_written_models()
    {
        var model = SkewedNet();
        var (plan, result) = Calibrate(model, Feeds(1, 16));

        var biases = BiasCorrection.Measure(plan, result, Feeds(1, 16), ExecutionOptions.Default);
        var corrected = BiasCorrection.Apply(result, biases);

        CollectionAssert.AreEquivalent(new[] { "conv1", "conv2" }, biases.Keys.ToArray());
        // conv1 loses up to 17 weights of 0.003 on inputs averaging 0.5: its biases rise by about that much.
        Assert.IsTrue(biases["conv1"].All(b => b is > 0.01f and < 0.03f), string.Join(", ", biases["conv1"]));
        var held = Feeds(2, 8);
        var before = OutputError(model, QdqModels.FakeQuant(plan, result), held);
        var after = OutputError(model, QdqModels.FakeQuant(plan, corrected), held);
        var deploy = OutputError(model, QdqModels.Deploy(plan, corrected), held);
        Assert.IsTrue(before.MeanError > 0.02, $"the net is skewed: mean error {before.MeanError}");
        Assert.IsTrue(Math.Abs(after.MeanError) < before.MeanError / 5, $"fake-quant mean error {before.MeanError} → {after.MeanError}");
        Assert.IsTrue(Math.Abs(deploy.MeanError) < before.MeanError / 5, $"deploy mean error {before.MeanError} → {deploy.MeanError}");
        Assert.IsTrue(after.SqnrDb > before.SqnrDb + 3, $"SQNR {before.SqnrDb:F2} → {after.SqnrDb:F2} dB");
    }

    [TestMethod]
    public void A_layer_without_a_bias_is_left_as_it_is()
    {
        var model = SkewedNet();
        var conv2 = model.Graph.Nodes.Single(n => n.Name == "conv2");
        conv2.Inputs.RemoveAt(2);
        var (plan, result) = Calibrate(model, Feeds(1, 4));

        var biases = BiasCorrection.Measure(plan, result, Feeds(1, 4), ExecutionOptions.Default);

        CollectionAssert.AreEqual(new[] { "conv1" }, biases.Keys.ToArray());
        Assert.IsNull(BiasCorrection.Apply(result, biases).Layers.Single(l => l.Layer.Name == "conv2").CorrectedBias);
    }

    [TestMethod]
    public void On_the_sample_forced_correction_survives_keeping_layers_float_and_another_algorithm_drops_it()
    {
        var request = SampleRuns.Request(RepoPaths.NewTempDirectory()) with
        {
            Overrides = new SettingOverrides { BatchNum = 8, Algorithm = ActivationAlgorithm.Ifmr },
            BiasCorrection = BiasCorrectionMode.On,
            Fidelity = null,
        };
        var calibrated = CalibrationRun.Calibrate(CalibrationRun.Prepare(request), request);

        var (corrected, choice) = CalibrationRun.ChooseRanges(calibrated);

        Assert.IsNull(choice, "--act-algo: no range choice");
        var trial = corrected.BiasCorrection!;
        // The 4 convs and 2 Gemms; the AveragePool has no bias.
        Assert.IsTrue(trial.Kept && trial.Layers == 6 && trial.Samples == RangeChoice.Samples, trial.ToString());
        Assert.IsTrue(corrected.Result.Layers.All(l => (l.CorrectedBias is not null) == (l.Weights is not null)));
        var first = corrected.Result.Layers[0].Layer.Name;
        var kept = corrected.KeepingFloat([first]);
        Assert.IsTrue(kept.Result.Layers.All(l => l.CorrectedBias == corrected.CorrectedBiases.GetValueOrDefault(l.Layer.Name)), "each layer's correction is its own");
        Assert.IsTrue(corrected.WithAlgorithm(ActivationAlgorithm.MinMax).Result.Layers.All(l => l.CorrectedBias is null), "other ranges, other shifts");
    }
}
