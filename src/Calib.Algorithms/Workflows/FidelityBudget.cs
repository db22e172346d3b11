using Calib.Algorithms.Evaluation;

namespace Calib.Algorithms.Workflows;

/// <summary>
/// AMCT's accuracy-based calibration with cosine similarity instead of labels: rank the layers by
/// the model output's SQNR with only that layer quantized (its own harm), then keep the most harmful
/// in float, one at a time, until every output of the fake-quant model meets the target. Each step
/// rebuilds the fake-quant model from the same calibration result; at least one layer stays quantized.
/// </summary>
public static class FidelityBudget
{
    /// <summary>Searches for the fewest most-harmful layers to keep in float.</summary>
    /// <param name="calibrated">The calibration whose result is reused.</param>
    /// <param name="report">The fidelity of its fully quantized models.</param>
    /// <param name="data">The fidelity inputs.</param>
    /// <param name="settings">The targets.</param>
    /// <param name="onStep">Called after each step.</param>
    public static FidelityBudgetResult Search(CalibratedModel calibrated, FidelityReport report, FidelityData data, FidelitySettings settings,
        Action<FidelityStep>? onStep = null)
    {
        var steps = new List<FidelityStep>();
        if (report.Meets(settings)) return new FidelityBudgetResult(settings, report.WorstCosine, report.WorstSqnrDb, steps, Met: true);
        var floatModel = calibrated.Prepared.Loaded.Model;
        var execution = calibrated.Request.Execution;
        var names = calibrated.Result.Layers.Select(l => l.Layer.Name).ToList();
        // A layer's own harm: the output SQNR with every other layer left in float.
        var ranked = names.Select(name =>
            {
                var others = names.Where(n => n != name).ToHashSet(StringComparer.Ordinal);
                var errors = OutputFidelityMeasure.Errors(floatModel, calibrated.FakeQuantModelWithout(others), data, execution);
                return (Name: name, Sqnr: errors.Min(e => e.SqnrDb));
            })
            .Index().OrderBy(r => r.Item.Sqnr).ThenBy(r => r.Index).Select(r => r.Item).ToList();
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, own) in ranked.Take(names.Count - 1))
        {
            kept.Add(name);
            var errors = OutputFidelityMeasure.Errors(floatModel, calibrated.FakeQuantModelWithout(kept), data, execution);
            var step = new FidelityStep(name, own, errors.Min(e => e.Cosine), errors.Min(e => e.SqnrDb));
            steps.Add(step);
            onStep?.Invoke(step);
            if (Meets(step, settings)) return new FidelityBudgetResult(settings, report.WorstCosine, report.WorstSqnrDb, steps, Met: true);
        }
        return new FidelityBudgetResult(settings, report.WorstCosine, report.WorstSqnrDb, steps, Met: false);
    }

    private static bool Meets(FidelityStep step, FidelitySettings settings) =>
        (settings.MinCosine is not { } cosine || step.Cosine >= cosine) && (settings.MinSqnrDb is not { } sqnr || step.SqnrDb >= sqnr);
}
