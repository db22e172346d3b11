using Calib.Algorithms.Configuration;
using Calib.Algorithms.Quantization;
using Calib.Algorithms.Workflows;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Calibration;

/// <summary>The default range choice by output error on the sample, and what forces an algorithm instead.</summary>
[TestClass]
public sealed class RangeChoiceTests
{
    [TestMethod]
    public void The_default_compares_four_candidates_and_keeps_ifmr_on_the_sample()
    {
        var outcome = CalibrationRun.Execute(SampleRuns.Request(RepoPaths.NewTempDirectory()));

        var choice = outcome.RangeChoice!;
        CollectionAssert.AreEqual(RangeChoice.Algorithms.ToList(), choice.Candidates.Select(c => c.Algorithm).ToList());
        Assert.AreEqual(32, choice.Samples);
        // Every candidate is close on this easy model: IFMR (AMCT's default) stays, so the outputs are as before.
        Assert.AreEqual(ActivationAlgorithm.Ifmr, choice.Chosen);
        Assert.IsTrue(choice.Candidates.All(c => c.SqnrDb is > 30 and < 80 && c.Cosine > 0.999), string.Join(", ", choice.Candidates));
        Assert.IsTrue(outcome.Result.Layers.All(l => l.Input.Algorithm == ActivationAlgorithm.Ifmr));
        // Bias correction is tried but gains less than its margin here, so the biases stay the model's.
        var trial = outcome.BiasCorrection!;
        Assert.IsFalse(trial.Kept, trial.ToString());
        Assert.IsTrue(trial.Layers == 6 && trial.SqnrWithDb < trial.SqnrWithoutDb + BiasCorrectionStep.MarginDb, trial.ToString());
        Assert.IsTrue(outcome.Result.Layers.All(l => l.CorrectedBias is null));
    }

    [TestMethod]
    public void A_chosen_algorithm_is_what_act_algo_would_give()
    {
        var calibrated = CalibrationRun.Calibrate(CalibrationRun.Prepare(SampleRuns.Request(RepoPaths.NewTempDirectory())),
            SampleRuns.Request(RepoPaths.NewTempDirectory()));
        var switched = calibrated.WithAlgorithm(ActivationAlgorithm.MinMax);
        var forced = CalibrationRun.Execute(SampleRuns.Request(RepoPaths.NewTempDirectory()) with
        {
            Overrides = new SettingOverrides { BatchNum = 8, Algorithm = ActivationAlgorithm.MinMax },
        });

        Assert.IsNull(forced.RangeChoice, "--act-algo forces the algorithm: no choice");
        CollectionAssert.AreEqual(forced.Result.Layers.Select(l => l.Input.Clip).ToList(), switched.Result.Layers.Select(l => l.Input.Clip).ToList());
        CollectionAssert.AreEqual(forced.Result.DeployTensors.Values.Select(t => t.Clip).ToList(), switched.Result.DeployTensors.Values.Select(t => t.Clip).ToList());
        Assert.AreEqual(forced.Config.ToJson(), switched.Config.ToJson());
    }

    [TestMethod]
    public void A_config_file_fixes_the_algorithms()
    {
        Assert.IsFalse(RangeChoice.Applies(SampleRuns.Request("out") with { ConfigPath = "quant.json" }));
        Assert.IsTrue(RangeChoice.Applies(SampleRuns.Request("out")));
    }
}
