using System.Globalization;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Graph;

namespace Calib.Algorithms.Workflows;

/// <summary>What the fidelity step produced.</summary>
/// <param name="Calibrated">The calibration to write: the one given, or with layers kept in float to meet a target.</param>
/// <param name="Report">The fidelity of <paramref name="Calibrated"/>'s fake-quant and deploy models.</param>
/// <param name="Budget">The --min-cosine / --min-sqnr search, when a target was set.</param>
public sealed record FidelityOutcome(CalibratedModel Calibrated, FidelityReport Report, FidelityBudgetResult? Budget);

/// <summary>
/// The label-free check every run ends with: the float, fake-quant and deploy models on the same
/// held-out inputs, compared output by output; with a target (--min-cosine, --min-sqnr), the layers
/// whose own error hurts the output most are kept in float until it is met (<see cref="FidelityBudget"/>).
/// </summary>
public static class FidelityCheck
{
    /// <summary>Measures <paramref name="calibrated"/> and, given a target, searches for the layers to keep in float.</summary>
    /// <param name="calibrated">The calibration, in memory.</param>
    /// <param name="settings">Samples, set and targets.</param>
    /// <param name="onStep">Each step of the target search.</param>
    /// <exception cref="CalibException">Bad settings or fidelity set, or the target cannot be met with at least one layer quantized.</exception>
    public static FidelityOutcome Run(CalibratedModel calibrated, FidelitySettings settings, Action<FidelityStep>? onStep = null)
    {
        Check(settings);
        var data = Samples(calibrated, settings);
        var report = Measure(calibrated, data);
        if (!settings.HasTarget) return new FidelityOutcome(calibrated, report, null);
        var budget = FidelityBudget.Search(calibrated, report, data, settings, onStep);
        if (!budget.Met) throw new CalibException(Unmet(budget, report, calibrated.Result.Layers.Count));
        if (budget.Steps.Count == 0) return new FidelityOutcome(calibrated, report, budget);
        var kept = calibrated.KeepingFloat(budget.FloatLayers);
        return new FidelityOutcome(kept, Measure(kept, data), budget);
    }

    /// <summary>
    /// The samples to measure on: the calibration samples calibration neither fed nor skipped (in-sample when none is
    /// left), or those of --fidelity-set, which takes any form the calibration set takes (read with its preprocessing).
    /// </summary>
    private static FidelityData Samples(CalibratedModel calibrated, FidelitySettings settings)
    {
        var request = calibrated.Request;
        var floatModel = calibrated.Prepared.Loaded.Model;
        CalibrationData? fidelitySet = null;
        if (settings.Set is { } set)
        {
            CalibrationData.CheckExists(set, "--fidelity-set");
            fidelitySet = CalibrationData.Open(set, floatModel, request.ModelPath, new CalibrationDataOptions
            {
                Preprocessing = calibrated.Preprocessing,
                TensorData = request.TensorData,
                SkipUndecodable = request.SkipUndecodable,
            });
        }
        return FidelityData.Open(calibrated.CalibrationData, calibrated.Statistics.Fed, fidelitySet, request.BatchSize, request.ModelPath, settings.Samples);
    }

    /// <summary>The fidelity of the fake-quant and deploy models of <paramref name="calibrated"/> on <paramref name="data"/>.</summary>
    internal static FidelityReport Measure(CalibratedModel calibrated, FidelityData data) =>
        OutputFidelityMeasure.Measure(calibrated.Prepared.Loaded.Model, calibrated.FakeQuantModel(), calibrated.DeployModel(), data,
            calibrated.Request.Execution);

    private static void Check(FidelitySettings settings)
    {
        if (settings.MinCosine is { } cosine && (double.IsNaN(cosine) || cosine is <= -1 or > 1))
            throw new CalibException($"--min-cosine {Cosine(cosine)} is not a cosine similarity: give a value in (-1, 1], e.g. 0.995.");
        if (settings.MinSqnrDb is { } sqnr && !double.IsFinite(sqnr))
            throw new CalibException($"--min-sqnr {Number(sqnr)} is not a number of decibels: give e.g. 30.");
    }

    private static string Unmet(FidelityBudgetResult budget, FidelityReport report, int layers)
    {
        var last = budget.Steps.LastOrDefault();
        var tried = last is null
            ? "the model has a single quantized layer, which cannot be kept in float"
            : $"with {budget.Steps.Count} of its {layers} layers in float ({string.Join(", ", budget.FloatLayers)}) the output cosine is still " +
              $"{Cosine(last.Cosine)} and SQNR {Number(last.SqnrDb)} dB";
        return $"The fidelity target ({budget.Target}) cannot be met on {report.Describe()}: fully quantized, the output cosine is " +
               $"{Cosine(budget.Cosine)} and SQNR {Number(budget.SqnrDb)} dB, and {tried}; only a fully float model meets it. Nothing was " +
               $"written: lower --min-cosine/--min-sqnr, or calibrate with more {report.Noun} or another --act-algo.";
    }

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Cosine(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
