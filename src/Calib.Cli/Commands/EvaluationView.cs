using System.Globalization;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Evaluation;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary>The evaluation summary: the models' accuracies, the layers ranked by error, and the budget search.</summary>
internal static class EvaluationView
{
    public static void Summarize(IAnsiConsole console, EvaluationReport report)
    {
        var models = new Table().AddColumns("model", "top-1", "top-5", "top-1 − float", "agreement", "images/s");
        foreach (var score in report.Others.Prepend(report.Quantized).Prepend(report.Float))
        {
            var isFloat = ReferenceEquals(score, report.Float);
            models.AddRow(
                Markup.Escape(score.Name), Percent(score.Top1), Percent(score.Top5),
                isFloat ? "" : Points(score.Top1Difference(report.Float)),
                isFloat ? "" : Percent(score.Agreement(report.Float)),
                score.ImagesPerSecond.ToString("F0", CultureInfo.InvariantCulture));
        }
        console.Write(models);
        if (!report.ByError.Any())
        {
            console.WriteLine($"{report.Float.Images} images from {report.EvalSet}; no layer is quantized, so there are no per-layer figures.");
            return;
        }
        console.WriteLine($"{report.Float.Images} images from {report.EvalSet}; per-layer figures on {report.LayerSamples} of them, " +
            $"sensitivity by {(report.Sensitivity == SensitivityMeasure.Accuracy ? "top-1" : "output SQNR")} with only that layer quantized.");

        Layers(console, report.ByError);
    }

    /// <summary>The per-layer table, in the order given (most error first).</summary>
    public static void Layers(IAnsiConsole console, IEnumerable<LayerReport> byError)
    {
        var layers = new Table().AddColumns(
            "error rank", "layer", "op", "SQNR dB (this layer)", "cosine", "max |error|", "SQNR dB (all layers)",
            "output SQNR dB", "top-1 (this layer)", "sensitivity rank");
        foreach (var layer in byError)
            layers.AddRow(
                layer.ErrorRank.ToString(CultureInfo.InvariantCulture), Markup.Escape(layer.Name), layer.OpType,
                Decibels(layer.Error?.SqnrDb), Number(layer.Error?.Cosine, "F5"), Number(layer.Error?.MaxAbsError, "G4"),
                Decibels(layer.CumulativeError?.SqnrDb), Decibels(layer.OutputSqnrDb),
                layer.Top1 is { } top1 ? Percent(top1) : "-", layer.SensitivityRank.ToString(CultureInfo.InvariantCulture));
        console.Write(layers);
    }

    public static void BudgetStep(TextWriter output, BudgetStep step, int number) =>
        output.WriteLine($"accuracy budget step {number}: kept {step.Layer} in float, top-1 {Percent(step.Top1)} ({Points(-step.Drop)} points vs float)");

    public static void Budget(IAnsiConsole console, BudgetResult budget)
    {
        if (budget.Steps.Count == 0)
        {
            console.WriteLine($"Fake-quant top-1 {Percent(budget.QuantizedTop1)} is within {Budget(budget.Budget)} points of float {Percent(budget.FloatTop1)}: every layer stays quantized.");
            return;
        }
        var table = new Table().AddColumns("step", "kept in float", "top-1", "top-1 − float");
        table.AddRow("0", "(none)", Percent(budget.QuantizedTop1), Points(budget.QuantizedTop1 - budget.FloatTop1));
        foreach (var (step, i) in budget.Steps.Select((s, i) => (s, i)))
            table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape(step.Layer), Percent(step.Top1), Points(-step.Drop));
        console.Write(table);
        console.WriteLine($"Kept {budget.Steps.Count} layer(s) in float (quant_enable: false in the written config) to stay within " +
            $"{Budget(budget.Budget)} points of float top-1 {Percent(budget.FloatTop1)}: {string.Join(", ", budget.FloatLayers)}.");
    }

    private static string Percent(double value) => value.ToString("F2", CultureInfo.InvariantCulture) + " %";

    private static string Budget(double points) => points.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Points(double value) => value.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    private static string Decibels(double? value) => value switch
    {
        null => "-",
        double.PositiveInfinity => "∞",
        { } v => v.ToString("F1", CultureInfo.InvariantCulture),
    };

    private static string Number(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
}
