using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Reporting;
using Calib.Algorithms.Tests.Calibration;
using Calib.Graph;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Evaluation;

/// <summary><c>calib eval</c>'s engine on the sample model and its 500 labelled test images.</summary>
[TestClass]
public sealed class EvaluatorTests
{
    private static string _output = "";
    private static EvaluationReport _report = null!;

    [ClassInitialize]
    public static void EvaluateOnce(TestContext _)
    {
        _output = EvaluationRuns.Calibrate();
        _report = Evaluator.EvaluateFiles(SampleRuns.SampleModel, EvaluationRuns.FakeQuant(_output), SampleRuns.EvalImages, EvaluationRuns.Settings());
    }

    [TestMethod]
    public void Top1_of_both_models_is_what_onnx_runtime_gives_directly()
    {
        Assert.AreEqual(500, _report.Float.Images);
        Assert.AreEqual(SampleRuns.Top1(SampleRuns.SampleModel, SampleRuns.EvalImages), _report.Float.Top1, 1e-9);
        Assert.AreEqual(SampleRuns.Top1(EvaluationRuns.FakeQuant(_output), SampleRuns.EvalImages), _report.Quantized.Top1, 1e-9);
        Assert.IsTrue(_report.Float.Top5 >= _report.Float.Top1 && _report.Float.Top5 <= 100);
        var agreement = _report.Quantized.Agreement(_report.Float);
        Assert.IsTrue(agreement is > 95 and <= 100, $"agreement {agreement}");
        Assert.IsTrue(100 - agreement >= Math.Abs(_report.Float.Top1 - _report.Quantized.Top1) - 1e-9, "every top-1 difference is a disagreement");
    }

    [TestMethod]
    public void Every_quantized_layer_is_analysed_with_its_recorded_clip_range()
    {
        CollectionAssert.AreEqual(
            new[] { "/conv1/Conv", "/block_conv1/Conv", "/block_conv2/Conv", "/conv3/Conv", "/pool2/AveragePool", "/fc1/Gemm", "/fc2/Gemm" },
            _report.Layers.Select(l => l.Name).ToArray());
        Assert.AreEqual(64, _report.LayerSamples);
        var csv = File.ReadAllLines(Path.Combine(_output, "fmnist_resnet_calibration.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0]);
        foreach (var layer in _report.Layers)
        {
            Assert.AreEqual(ClipSource.Record, layer.ClipSource);
            Assert.AreEqual(double.Parse(csv[layer.Name][10], System.Globalization.CultureInfo.InvariantCulture), layer.Clip!.Value.Max, 1e-12, layer.Name);
            Assert.IsNotNull(layer.Error, $"{layer.Name}: its output '{layer.Output}' exists in the float model (BatchNorm outputs keep their names)");
            Assert.IsTrue(layer.Error.Value.Cosine is > 0.9 and <= 1.000001, $"{layer.Name} cosine {layer.Error.Value.Cosine}");
            Assert.IsTrue(layer.Error.Value.SqnrDb > 15, $"{layer.Name} SQNR {layer.Error.Value.SqnrDb}");
            Assert.IsTrue(layer.CumulativeError!.Value.SqnrDb <= layer.Error.Value.SqnrDb + 1, $"{layer.Name}: errors accumulate");
            Assert.IsTrue(_report.InputHistograms[layer.Name].Count > 0);
        }
        CollectionAssert.AreEquivalent(Enumerable.Range(1, 7).ToArray(), _report.Layers.Select(l => l.ErrorRank).ToArray());
        CollectionAssert.AreEquivalent(Enumerable.Range(1, 7).ToArray(), _report.Layers.Select(l => l.SensitivityRank).ToArray());
    }

    [TestMethod]
    public void The_first_layer_histogram_holds_the_preprocessed_input_values()
    {
        var histogram = _report.InputHistograms["/conv1/Conv"];
        Assert.AreEqual(64L * 28 * 28, histogram.Count);
        Assert.AreEqual((0 - 0.2860) / 0.3530, histogram.Min, 1e-6);
        Assert.IsTrue(histogram.Max <= (1 - 0.2860) / 0.3530 + 1e-6);
    }

    [TestMethod]
    public void Without_a_record_the_clip_range_comes_from_the_graph()
    {
        var copy = Path.Combine(RepoPaths.NewTempDirectory(), "model_q.onnx");
        File.Copy(EvaluationRuns.FakeQuant(_output), copy);

        var report = Evaluator.EvaluateFiles(SampleRuns.SampleModel, copy, SampleRuns.EvalImages, EvaluationRuns.Settings() with { Limit = 50, LayerSamples = 8 });

        foreach (var (layer, recorded) in report.Layers.Zip(_report.Layers))
        {
            Assert.AreEqual(ClipSource.Graph, layer.ClipSource);
            // The graph's range is the recorded one on the quantization grid: within one step at each end.
            var step = (recorded.Clip!.Value.Max - recorded.Clip.Value.Min) / 255;
            Assert.AreEqual(recorded.Clip.Value.Min, layer.Clip!.Value.Min, step, layer.Name);
            Assert.AreEqual(recorded.Clip.Value.Max, layer.Clip.Value.Max, step, layer.Name);
        }
    }

    [TestMethod]
    public void A_limit_spreads_the_images_over_every_class_and_a_fixed_batch_is_padded()
    {
        var fixedBatch = OnnxModelFile.Load(SampleRuns.SampleModel);
        fixedBatch.Graph.Inputs[0].Type.TensorType.Shape.Dim[0] = new Graph.Onnx.Proto.TensorShapeProto.Types.Dimension { DimValue = 8 };
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "fixed.onnx");
        OnnxModelFile.Save(fixedBatch, path);
        var settings = EvaluationRuns.Settings() with { BatchSize = null, Limit = 100 };

        var data = EvaluationData.Open(fixedBatch, path, SampleRuns.EvalImages, settings);
        var score = ClassifierScoring.Score(fixedBatch, path, data, settings.Execution);

        Assert.AreEqual(8, data.BatchSize);
        Assert.AreEqual(13, data.BatchCount(), "100 images in batches of 8: the last holds 4");
        Assert.AreEqual(100, score.Images);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).SelectMany(c => Enumerable.Repeat(c, 10)).ToArray(), data.Set.Labels.ToArray());
        var dynamic = ClassifierScoring.Score(OnnxModelFile.Load(SampleRuns.SampleModel), "dynamic",
            EvaluationData.Open(OnnxModelFile.Load(SampleRuns.SampleModel), SampleRuns.SampleModel, SampleRuns.EvalImages, settings), settings.Execution);
        CollectionAssert.AreEqual(dynamic.Predictions.ToArray(), score.Predictions.ToArray());
    }

    [TestMethod]
    public void The_report_files_are_the_same_on_every_evaluation()
    {
        var settings = EvaluationRuns.Settings(SensitivityMeasure.Accuracy) with { Limit = 100, LayerSamples = 16 };
        var first = Evaluator.EvaluateFiles(SampleRuns.SampleModel, EvaluationRuns.FakeQuant(_output), SampleRuns.EvalImages, settings);
        var second = Evaluator.EvaluateFiles(SampleRuns.SampleModel, EvaluationRuns.FakeQuant(_output), SampleRuns.EvalImages, settings);

        Assert.AreEqual(AccuracyCsv.Write(first), AccuracyCsv.Write(second));
        Assert.AreEqual(AccuracySummary.Write(first), AccuracySummary.Write(second));
        CollectionAssert.AreEqual(LayerSqnrChart.Render(first.Layers), LayerSqnrChart.Render(second.Layers));
    }

    [TestMethod]
    public void A_float_model_given_as_quantized_is_a_clear_error()
    {
        var error = Assert.ThrowsExactly<CalibException>(() =>
            Evaluator.EvaluateFiles(SampleRuns.SampleModel, SampleRuns.SampleModel, SampleRuns.EvalImages, EvaluationRuns.Settings()));
        StringAssert.Contains(error.Message, "has no quantized layer");
    }
}
