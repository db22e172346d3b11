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
