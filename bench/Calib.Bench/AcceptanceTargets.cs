using System.Globalization;

namespace Calib.Bench;

/// <summary>One acceptance target, the figure it was judged on, and the verdict.</summary>
/// <param name="Target">What must hold.</param>
/// <param name="Measured">The measured figure.</param>
/// <param name="Pass">Whether it holds.</param>
internal sealed record TargetCheck(string Target, string Measured, bool Pass);

/// <summary>The project's performance targets for calibration and the deploy model.</summary>
internal static class AcceptanceTargets
{
    /// <summary>On a ResNet-18-sized model the deploy model must be at least this much faster than float.</summary>
    public const double MinResNet18SpeedUp = 2.0;

    /// <summary>Memory must not grow with --batch-num: peak RSS at 64 batches over peak RSS at 8.</summary>
    public const double MaxMemoryRatio = 1.10;

    /// <summary>int8 weights make the deploy file about a quarter of the float one; this leaves room for scales and graph.</summary>
    public const double MaxSizeRatio = 0.35;

    public static IReadOnlyList<TargetCheck> Evaluate(IReadOnlyList<MemoryResult> memory, IReadOnlyList<ModelComparison> models)
    {
        var checks = new List<TargetCheck>();
        foreach (var model in models)
        {
            checks.AddRange(model.Latency.Select(latency => SpeedTarget(model.Model, latency)).OfType<TargetCheck>());
            // The transformer keeps its embedding table, positions and LayerNorms float by design: no size target.
            if (model.Model != Workload.TransformerName)
                checks.Add(new TargetCheck(
                    $"{model.Model}: deploy size ≤ {Number(MaxSizeRatio, "F2")}× float", $"{Number(model.SizeRatio, "F3")}×", model.SizeRatio <= MaxSizeRatio));
        }
        checks.AddRange(memory.Select(m => new TargetCheck(
            $"{m.Model}: peak memory, --batch-num {m.Many.BatchNum} / {m.Few.BatchNum} ≤ {Number(MaxMemoryRatio, "F2")}",
            Number(m.PeakRatio, "F3"), m.PeakRatio <= MaxMemoryRatio)));
        return checks;
    }

    private static TargetCheck? SpeedTarget(string model, LatencyResult latency) => (model, latency.Batch) switch
    {
        (Workload.ResNet18Name, 1 or 8) => new TargetCheck(
            $"{model} batch {latency.Batch}: deploy ≥ {Number(MinResNet18SpeedUp, "F0")}× faster than float",
            SpeedUp(latency), latency.SpeedUp >= MinResNet18SpeedUp),
        (Workload.SampleName, 32) => new TargetCheck(
            $"{model} batch 32: deploy faster than float", SpeedUp(latency), latency.SpeedUp > 1),
        _ => null,
    };

    private static string SpeedUp(LatencyResult latency) => $"{Number(latency.SpeedUp, "F2")}×";

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
