using System.Globalization;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Workflows;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary>The fidelity summary: per model output, the fake-quant and deploy models against float; and the target search.</summary>
internal static class FidelityView
{
    public static void Summarize(IAnsiConsole console, FidelityReport report, FidelityBudgetResult? budget, string quantized = "fake-quant")
    {
        if (budget is { Steps.Count: > 0 })
            console.WriteLine($"Kept {budget.Steps.Count} layer(s) in float to reach {budget.Target} (fully quantized: cosine " +
                $"{Number(budget.Cosine, "F5")}, SQNR {Decibels(budget.SqnrDb)} dB): " +
                string.Join(", ", budget.Steps.Select(s => $"{s.Layer} → cosine {Number(s.Cosine, "F5")}")) + ".");
        console.WriteLine($"Fidelity against float on {report.Describe()}:");
        var table = new Table().AddColumns("output", "model", "cosine", "SQNR dB", "max rel error");
        foreach (var output in report.Outputs)
        {
            table.AddRow(Markup.Escape(output.Output), Markup.Escape(quantized), Number(output.FakeQuant.Cosine, "F5"),
                Decibels(output.FakeQuant.SqnrDb), Number(output.FakeQuant.MaxRelativeError, "G3"));
            if (output.Deploy is { } deploy)
                table.AddRow(Markup.Escape(output.Output), "deploy", Number(deploy.Cosine, "F5"), Decibels(deploy.SqnrDb),
                    Number(deploy.MaxRelativeError, "G3"));
        }
        console.Write(table);
    }

    public static void RangeChoice(IAnsiConsole console, RangeChoiceResult choice, string noun)
    {
        var candidates = string.Join(", ", choice.Candidates.Select(c => $"{QuantConfig.AlgorithmName(c.Algorithm)} {Decibels(c.SqnrDb)} dB"));
        console.WriteLine($"Activation ranges: {QuantConfig.AlgorithmName(choice.Chosen)}, chosen by output SQNR on {choice.Samples} calibration " +
            $"{noun} ({candidates}; IFMR stays unless another gains {Number(Algorithms.Workflows.RangeChoice.MarginDb, "0.#")} dB; " +
            $"{Number(choice.Elapsed.TotalSeconds, "F1")} s). --act-algo forces one.");
    }

    public static void BiasCorrection(IAnsiConsole console, BiasCorrectionResult trial, string noun) =>
        console.WriteLine($"Bias correction: {(trial.Kept ? "applied" : "not kept")} on {trial.Layers} layers (worst output SQNR {Decibels(trial.SqnrWithoutDb)} → " +
            $"{Decibels(trial.SqnrWithDb)} dB on {trial.Samples} calibration {noun}; {Number(trial.Elapsed.TotalSeconds, "F1")} s). " +
            (trial.Kept ? "--no-bias-correction skips it." : $"Kept only when it gains {Number(BiasCorrectionStep.MarginDb, "0.#")} dB; --bias-correction forces it."));

    public static void Step(TextWriter output, FidelityStep step, int number) =>
        output.WriteLine($"fidelity target step {number}: kept {step.Layer} in float (alone it gives output SQNR {Decibels(step.OwnSqnrDb)} dB), " +
            $"output cosine {Number(step.Cosine, "F5")}, SQNR {Decibels(step.SqnrDb)} dB");

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Decibels(double value) => double.IsPositiveInfinity(value) ? "∞" : Number(value, "F2");
}
