using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Tests.Calibration;
using Calib.Algorithms.Workflows;
using Calib.Graph;
using Calib.Tests.Shared;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace Calib.Algorithms.Tests.Evaluation;

/// <summary>The label-free fidelity check every run ends with, and its --min-cosine / --min-sqnr target, on the sample.</summary>
[TestClass]
public sealed class FidelityTests
{
    // 4 × 32 of the 256 calibration images set the ranges: 128 remain, 64 of them (every second) are measured.
    private static string _output = "";
    private static CalibrationOutcome _outcome = null!;

    [ClassInitialize]
    public static void CalibrateOnce(TestContext _)
    {
        _output = RepoPaths.NewTempDirectory();
        _outcome = CalibrationRun.Execute(SampleRuns.Request(_output, batchNum: 4));
    }

    [TestMethod]
    public void A_run_measures_its_outputs_on_held_out_calibration_images()
    {
        var report = _outcome.Fidelity!;
        Assert.AreEqual(FidelitySource.HeldOut, report.Source);
        Assert.AreEqual(64, report.Samples);
        var logits = report.Outputs.Single();
        Assert.AreEqual("logits", logits.Output);
        Assert.IsTrue(logits.FakeQuant.Cosine > 0.99, $"fake-quant cosine {logits.FakeQuant.Cosine}");
        Assert.IsTrue(logits.Deploy!.Value.Cosine > 0.99, $"deploy cosine {logits.Deploy.Value.Cosine}");
        Assert.IsTrue(logits.FakeQuant.SqnrDb is > 20 and < 100, $"SQNR {logits.FakeQuant.SqnrDb}");
        Assert.IsTrue(logits.FakeQuant.MaxRelativeError is > 0 and < 0.2, $"max rel error {logits.FakeQuant.MaxRelativeError}");
        StringAssert.Contains(report.Describe(), "64 held-out images");
    }

    [TestMethod]
    public void The_reported_cosine_matches_a_plain_onnx_runtime_session_on_the_held_out_files()
    {
        var files = Directory.GetFiles(SampleRuns.CalibrationImages, "*.png").Order(StringComparer.Ordinal).Skip(128).Where((_, i) => i % 2 == 0).ToList();
        Assert.AreEqual(64, files.Count);
        var expected = SampleRuns.Logits(SampleRuns.SampleModel, files);
        foreach (var (suffix, reported) in new[]
                 {
                     ("fake_quant.onnx", _outcome.Fidelity!.Outputs[0].FakeQuant),
                     ("deploy.onnx", _outcome.Fidelity!.Outputs[0].Deploy!.Value),
                 })
        {
            var actual = SampleRuns.Logits(Path.Combine(_output, $"fmnist_resnet_{suffix}"), files);
            double fq = 0, ff = 0, qq = 0, dd = 0;
            for (var i = 0; i < expected.Length; i++)
            {
                fq += expected[i] * actual[i];
                ff += expected[i] * expected[i];
                qq += actual[i] * actual[i];
                dd += (expected[i] - actual[i]) * (expected[i] - actual[i]);
            }
            Assert.AreEqual(fq / Math.Sqrt(ff * qq), reported.Cosine, 1e-6, suffix);
            Assert.AreEqual(10 * Math.Log10(ff / dd), reported.SqnrDb, 1e-3, suffix);
        }
    }

    [TestMethod]
    public void The_figures_are_written_beside_the_outputs()
    {
        var csv = File.ReadAllLines(Path.Combine(_output, "fmnist_resnet_fidelity.csv"));
        Assert.AreEqual("output,model,cosine,sqnr_db,max_abs_error,max_rel_error,samples,source", csv[0]);
        Assert.AreEqual(3, csv.Length);
        StringAssert.StartsWith(csv[1], "logits,fmnist_resnet_fake_quant.onnx,0.99");
        StringAssert.EndsWith(csv[2], ",64,held_out");
        var json = File.ReadAllText(Path.Combine(_output, "fmnist_resnet_fidelity.json"));
        StringAssert.Contains(json, "\"source\": \"held_out\"");
        StringAssert.Contains(json, "\"deploy\"");
    }

    [TestMethod]
    public void No_fidelity_skips_the_measurement_and_its_files()
    {
        var output = RepoPaths.NewTempDirectory();
        var outcome = CalibrationRun.Execute(SampleRuns.Request(output, batchNum: 2) with { Fidelity = null });
        Assert.IsNull(outcome.Fidelity);
        Assert.AreEqual(0, Directory.GetFiles(output, "*fidelity*").Length);
    }

    [TestMethod]
    public void A_run_that_uses_every_image_says_its_figures_are_in_sample()
    {
        var outcome = CalibrationRun.Execute(SampleRuns.Request(RepoPaths.NewTempDirectory(), batchNum: 8));
        Assert.AreEqual(FidelitySource.CalibrationSamples, outcome.Fidelity!.Source);
        Assert.AreEqual(64, outcome.Fidelity.Samples);
        StringAssert.Contains(outcome.Fidelity.Describe(), "in-sample");
    }

    [TestMethod]
    public void A_fidelity_set_is_measured_instead_and_bounded_by_the_sample_count()
    {
        var outcome = CalibrationRun.Execute(SampleRuns.Request(RepoPaths.NewTempDirectory(), batchNum: 2) with
        {
            Fidelity = new FidelitySettings { Set = SampleRuns.EvalImages, Samples = 20 },
        });
        Assert.AreEqual(FidelitySource.Folder, outcome.Fidelity!.Source);
        Assert.AreEqual(20, outcome.Fidelity.Samples);
        Assert.IsTrue(outcome.Fidelity.WorstCosine > 0.99);
    }

    [TestMethod]
    public void A_met_sqnr_target_keeps_the_most_harmful_layers_in_float_and_writes_that_model()
    {
        var target = _outcome.Fidelity!.WorstSqnrDb + 3;
        var output = RepoPaths.NewTempDirectory();
        var outcome = CalibrationRun.Execute(SampleRuns.Request(output, batchNum: 4) with { Fidelity = new FidelitySettings { MinSqnrDb = target } });

        var budget = outcome.FidelityBudget!;
        Assert.IsTrue(budget.Met);
        Assert.IsTrue(budget.Steps.Count >= 1);
        Assert.IsTrue(outcome.Fidelity!.WorstSqnrDb >= target, $"{outcome.Fidelity.WorstSqnrDb} < {target}");
        Assert.AreEqual(7 - budget.Steps.Count, outcome.Result.Layers.Count);
        var quantized = outcome.Result.Layers.Select(l => l.Layer.Name).ToList();
        foreach (var layer in budget.FloatLayers) CollectionAssert.DoesNotContain(quantized, layer);
        // The first layer kept in float is the one that alone hurts the output most.
        Assert.IsTrue(budget.Steps.Zip(budget.Steps.Skip(1)).All(p => p.First.OwnSqnrDb <= p.Second.OwnSqnrDb));
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, "fmnist_resnet_fidelity.json")), "\"kept_float\"");
    }

    [TestMethod]
    public void A_target_the_model_already_meets_keeps_every_layer_quantized()
    {
        var outcome = CalibrationRun.Execute(SampleRuns.Request(RepoPaths.NewTempDirectory(), batchNum: 4) with
        {
            Fidelity = new FidelitySettings { MinCosine = 0.995 },
        });
        Assert.IsTrue(outcome.FidelityBudget!.Met);
        Assert.AreEqual(0, outcome.FidelityBudget.Steps.Count);
        Assert.AreEqual(7, outcome.Result.Layers.Count);
    }

    [TestMethod]
    public void An_unreachable_target_fails_and_writes_nothing()
    {
        var output = Path.Combine(RepoPaths.NewTempDirectory(), "out");
        var error = Assert.ThrowsExactly<CalibException>(() =>
            CalibrationRun.Execute(SampleRuns.Request(output, batchNum: 4) with { Fidelity = new FidelitySettings { MinSqnrDb = 200 } }));
        StringAssert.Contains(error.Message, "output SQNR ≥ 200 dB");
        StringAssert.Contains(error.Message, "Nothing was written");
        Assert.IsFalse(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any());
    }

    [TestMethod]
    public void A_cosine_target_outside_its_range_is_refused()
    {
        var error = Assert.ThrowsExactly<CalibException>(() =>
            CalibrationRun.Execute(SampleRuns.Request(RepoPaths.NewTempDirectory(), batchNum: 1) with { Fidelity = new FidelitySettings { MinCosine = 1.5 } }));
        StringAssert.Contains(error.Message, "--min-cosine 1.5");
    }
}
