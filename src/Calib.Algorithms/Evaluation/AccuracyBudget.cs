using Calib.Algorithms.Calibration;
using Calib.Graph.Execution;

namespace Calib.Algorithms.Evaluation;

/// <summary>One step of the accuracy-budget search: a layer put back to float, and the top-1 after it.</summary>
/// <param name="Layer">The layer kept in float at this step.</param>
/// <param name="Top1">The fake-quant model's top-1 (percent) with it and the earlier steps' layers in float.</param>
/// <param name="Drop">Float top-1 minus <paramref name="Top1"/>, in points.</param>
public sealed record BudgetStep(string Layer, double Top1, double Drop);

/// <summary>The outcome of an accuracy-budget search.</summary>
/// <param name="Budget">The allowed top-1 drop, in points.</param>
/// <param name="FloatTop1">The float model's top-1.</param>
/// <param name="QuantizedTop1">The fully quantized fake-quant model's top-1.</param>
/// <param name="Steps">The layers kept in float, most sensitive first, with the top-1 after each.</param>
/// <param name="Met">Whether the last step (or the fully quantized model) is within the budget.</param>
public sealed record BudgetResult(double Budget, double FloatTop1, double QuantizedTop1, IReadOnlyList<BudgetStep> Steps, bool Met)
{
    /// <summary>The layers to keep in float.</summary>
    public IReadOnlyList<string> FloatLayers => Steps.Select(s => s.Layer).ToList();
}

/// <summary>
/// AMCT's accuracy-based automatic calibration: while the fake-quant model's top-1 is more than the
/// budget below float, keep the next most sensitive layer in float and measure again. Each step
/// rebuilds the fake-quant model from the same calibration result, so nothing is calibrated again.
/// At least one layer stays quantized: a fully float model is no answer.
/// </summary>
public static class AccuracyBudget
{
    // Accuracies are ratios of counts; this absorbs their rounding when a drop equals the budget.
    private const double Tolerance = 1e-9;

    /// <summary>Searches for the fewest most-sensitive layers to keep in float.</summary>
    /// <param name="calibrated">The calibration whose result is reused.</param>
    /// <param name="report">The evaluation of its fake-quant model (accuracies and sensitivity ranks).</param>
    /// <param name="data">The evaluation set.</param>
    /// <param name="budget">The allowed top-1 drop in points (≥ 0).</param>
    /// <param name="execution">Device and threads.</param>
    /// <param name="onStep">Called after each step.</param>
    /// <param name="progress">Progress of each step's evaluation.</param>
    public static BudgetResult Search(CalibratedModel calibrated, EvaluationReport report, EvaluationData data, double budget,
        ExecutionOptions execution, Action<BudgetStep>? onStep = null, Action<EvaluationProgress>? progress = null)
    {
        var floatTop1 = report.Float.Top1;
        var steps = new List<BudgetStep>();
        if (report.Float.Top1Difference(report.Quantized) <= budget + Tolerance)
            return new BudgetResult(budget, floatTop1, report.Quantized.Top1, steps, Met: true);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in report.BySensitivity.Take(report.Layers.Count - 1))
        {
            kept.Add(layer.Name);
            var stage = $"with {kept.Count} layer(s) in float";
            var score = ClassifierScoring.Score(calibrated.FakeQuantModelWithout(kept), stage, data, execution,
                (done, total) => progress?.Invoke(new EvaluationProgress(stage, done, total)));
            var step = new BudgetStep(layer.Name, score.Top1, report.Float.Top1Difference(score));
            steps.Add(step);
            onStep?.Invoke(step);
            if (step.Drop <= budget + Tolerance) return new BudgetResult(budget, floatTop1, report.Quantized.Top1, steps, Met: true);
        }
        return new BudgetResult(budget, floatTop1, report.Quantized.Top1, steps, Met: false);
    }
}
