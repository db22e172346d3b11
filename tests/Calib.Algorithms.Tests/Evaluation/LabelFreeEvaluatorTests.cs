using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Reporting;
using Calib.Algorithms.Tests.Calibration;
using Calib.Graph;
using Calib.Graph.IO;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Evaluation;

/// <summary><c>calib eval --images</c>: output fidelity and per-layer diagnosis on a plain folder, no labels.</summary>
[TestClass]
public sealed class LabelFreeEvaluatorTests
{
    private static EvaluationSettings Settings(int samples = 32) => new() { Preprocessing = SampleRuns.FashionMnist, LayerSamples = samples };

    private static NamedModel FloatModel => new(SampleRuns.SampleModel, OnnxModelFile.Load(SampleRuns.SampleModel));

    [TestMethod]
    public void A_spoiled_layer_ranks_first_on_unlabelled_images()
    {
        var output = EvaluationRuns.Calibrate(EvaluationRuns.SpoilingConfig(RepoPaths.NewTempDirectory()));

        // calibration-data/fmnist has no labels: a plain folder of PNGs.
        var report = LabelFreeEvaluator.EvaluateFiles(FloatModel, EvaluationRuns.FakeQuant(output), SampleRuns.CalibrationImages, Settings());

        var ranking = string.Join("; ", report.Layers.Select(l => $"{l.Name} err#{l.ErrorRank} {l.Error?.SqnrDb:F1} dB sens#{l.SensitivityRank}"));
        Assert.AreEqual(EvaluationRuns.SpoiledLayer, report.ByError.First().Name, ranking);
        Assert.AreEqual(1, report.Layers.Single(l => l.Name == EvaluationRuns.SpoiledLayer).SensitivityRank, ranking);
        Assert.AreEqual(7, report.Layers.Count);
        Assert.IsTrue(report.Layers.All(l => l.Top1 is null && l.Error is not null && l.CumulativeError is not null));
        Assert.AreEqual(32, report.Output.Samples);
        Assert.IsTrue(report.Output.WorstCosine < 0.999, $"the spoiled model's output is visibly off: cosine {report.Output.WorstCosine}");
    }

    [TestMethod]
    public void A_good_model_has_a_close_output_and_writes_the_csv_json_and_plots()
    {
        var output = RepoPaths.NewTempDirectory();
        Calib.Algorithms.Workflows.CalibrationRun.Execute(SampleRuns.Request(output, batchNum: 4) with { Fidelity = null });
        var quantized = Path.Combine(output, "fmnist_resnet_fake_quant.onnx");
        var report = LabelFreeEvaluator.EvaluateFiles(FloatModel, quantized, SampleRuns.EvalImages, Settings(64));

        Assert.IsTrue(report.Output.WorstCosine > 0.99, $"cosine {report.Output.WorstCosine}");
        Assert.IsTrue(report.Layers.All(l => l.ClipSource == ClipSource.Record), "clip ranges come from the record beside the model");
        var files = new OutputFileSet(Path.Combine(output, "report"));
        ReportFiles.AddTables(files, "diagnosis", report, "fmnist_resnet_fake_quant.onnx");
        ReportFiles.AddPlots(files, "", report, []);
        files.Commit();
        var csv = File.ReadAllLines(Path.Combine(output, "report", "diagnosis.csv"));
        Assert.AreEqual(8, csv.Length, "header and one row per layer");
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, "report", "diagnosis.json")), "\"layers_by_error\"");
        foreach (var png in Directory.GetFiles(Path.Combine(output, "report"), "*.png"))
            CollectionAssert.AreEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(png)[..4], png);
        Assert.AreEqual(2, Directory.GetFiles(Path.Combine(output, "report"), "*.png").Length);
    }

    [TestMethod]
    public void Sensitivity_by_accuracy_needs_labels()
    {
        var output = EvaluationRuns.Calibrate(EvaluationRuns.SpoilingConfig(RepoPaths.NewTempDirectory()));
        var error = Assert.ThrowsExactly<CalibException>(() => LabelFreeEvaluator.EvaluateFiles(FloatModel, EvaluationRuns.FakeQuant(output),
            SampleRuns.CalibrationImages, Settings() with { Sensitivity = SensitivityMeasure.Accuracy }));
        StringAssert.Contains(error.Message, "--sensitivity accuracy needs labels");
    }
}
