using Calib.Algorithms.Evaluation;
using Calib.Graph.Execution;

namespace Calib.Algorithms.Workflows;

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
