using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Tests.Calibration;
using Calib.Graph;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Evaluation;

/// <summary>A config that gives one layer a far too small clip range: the report must point at it, and the budget mode must undo it.</summary>
[TestClass]
public sealed class SpoiledLayerTests
{
    [TestMethod]
    [DataRow(SensitivityMeasure.Sqnr)]
    [DataRow(SensitivityMeasure.Accuracy)]
    public void The_spoiled_layer_ranks_first_by_error_and_by_sensitivity(SensitivityMeasure sensitivity)
    {
        var output = EvaluationRuns.Calibrate(EvaluationRuns.SpoilingConfig(RepoPaths.NewTempDirectory()));

        var report = Evaluator.EvaluateFiles(SampleRuns.SampleModel, EvaluationRuns.FakeQuant(output), SampleRuns.EvalImages, EvaluationRuns.Settings(sensitivity));

        var ranking = string.Join("; ", report.Layers.Select(l => $"{l.Name} err#{l.ErrorRank} {l.Error?.SqnrDb:F1} dB sens#{l.SensitivityRank} out {l.OutputSqnrDb:F1} dB top1 {l.Top1}"));
        Assert.AreEqual(EvaluationRuns.SpoiledLayer, report.ByError.First().Name, ranking);
        Assert.AreEqual(EvaluationRuns.SpoiledLayer, report.BySensitivity.First().Name, ranking);
        Assert.IsTrue(report.Float.Top1 - report.Quantized.Top1 > 5, $"the spoiled model loses accuracy: {report.Float.Top1} → {report.Quantized.Top1}");
        if (sensitivity == SensitivityMeasure.Accuracy)
            Assert.IsTrue(report.Layers.All(l => l.Top1 is not null));
        else
            Assert.IsTrue(report.Layers.All(l => l.Top1 is null));
    }

    [TestMethod]
    public void The_budget_keeps_the_spoiled_layer_in_float_and_writes_what_a_run_with_that_config_writes()
    {
        var directory = RepoPaths.NewTempDirectory();
        var output = Path.Combine(directory, "out");
        var request = new EvaluatedRunRequest
        {
            Calibration = SampleRuns.Request(output) with { ConfigPath = EvaluationRuns.SpoilingConfig(directory) },
            EvalSet = SampleRuns.EvalImages,
            AccuracyBudget = 0.5,
        };
        var steps = new List<BudgetStep>();

        var outcome = EvaluatedRun.Execute(request, onStep: steps.Add);

        Assert.IsTrue(outcome.Budget!.Met);
        Assert.AreEqual(EvaluationRuns.SpoiledLayer, steps[0].Layer);
        CollectionAssert.AreEqual(steps, outcome.Budget.Steps.ToList());
        Assert.IsTrue(steps[^1].Drop <= 0.5, $"drop {steps[^1].Drop}");
        Assert.AreEqual(outcome.Report.Float.Top1 - outcome.Report.Quantized.Top1, steps[^1].Drop, 1e-9, "the written model is the last step's");
        StringAssert.Contains(Read(output, "quant_config.json"), $"\"{EvaluationRuns.SpoiledLayer}\": {{\n    \"quant_enable\": false");
        Assert.IsFalse(outcome.Report.Layers.Any(l => l.Name == EvaluationRuns.SpoiledLayer));
        Assert.AreEqual(7 - steps.Count + 1, File.ReadAllLines(Path.Combine(output, "fmnist_resnet_accuracy.csv")).Length, "header and one row per quantized layer");
        StringAssert.Contains(Read(output, "accuracy.json"), "\"kept_float\"");

        // No recalibration, and nothing different from a plain run with the config it wrote.
        var rerun = Path.Combine(directory, "rerun");
        CalibrationRun.Execute(SampleRuns.Request(rerun) with { ConfigPath = Path.Combine(output, "fmnist_resnet_quant_config.json") });
        foreach (var suffix in new[] { "fake_quant.onnx", "deploy.onnx", "record.txt", "calibration.csv", "quant_config.json" })
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(rerun, $"fmnist_resnet_{suffix}")), File.ReadAllBytes(Path.Combine(output, $"fmnist_resnet_{suffix}")), suffix);
    }

    [TestMethod]
    public void A_budget_that_only_a_float_model_meets_writes_nothing()
    {
        var directory = RepoPaths.NewTempDirectory();
        var config = Path.Combine(directory, "all.cfg");
        File.WriteAllText(config, "common_config { ifmr_quantize { search_range_start: 0.01 search_range_end: 0.02 } }\n");
        var output = Path.Combine(directory, "out");
        var request = new EvaluatedRunRequest
        {
            Calibration = SampleRuns.Request(output) with { ConfigPath = config },
            EvalSet = SampleRuns.EvalImages,
            Settings = new EvaluationSettings { Limit = 200 },
            AccuracyBudget = 0.5,
        };
        var steps = new List<BudgetStep>();

        var error = Assert.ThrowsExactly<CalibException>(() => EvaluatedRun.Execute(request, onStep: steps.Add));

        Assert.AreEqual(6, steps.Count, "every layer but one was tried in float");
        StringAssert.Contains(error.Message, "The accuracy budget of 0.5 points cannot be met");
        StringAssert.Contains(error.Message, "with 6 of its 7 layers in float");
        StringAssert.Contains(error.Message, "Nothing was written");
        Assert.IsFalse(Directory.Exists(output));
    }

    private static string Read(string output, string suffix) => File.ReadAllText(Path.Combine(output, $"fmnist_resnet_{suffix}"));
}
