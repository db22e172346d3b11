using System.CommandLine;
using System.Globalization;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Placement;
using Calib.Cli.Infrastructure;
using Calib.Graph;
using Calib.Graph.Execution;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary><c>calib run</c>: post-training calibration end to end (and, with --eval-set, the accuracy report).</summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var flags = new CalibrationFlags();
        var evaluation = new EvaluationOptions(evalSetRequired: false);
        var fidelity = new FidelityOptions();
        var budget = new Option<double?>("--accuracy-budget")
        {
            Description = "With --eval-set: keep the most sensitive layers in float, one at a time, until fake-quant top-1 is within this many points of float (AMCT accuracy_based_auto_calibration).",
        };
        var noSpeed = new Option<bool>("--no-speed")
        {
            Description = "Do not time the deploy model against the float model after writing (saves up to ~2 s; no <model>_speed.json).",
        };
        var optimizeFor = new Option<string>("--optimize-for")
        {
            Description = "accuracy (default): every quantizable layer int8, as AMCT places them; size: the same; speed: time AveragePool, " +
                          "ConvTranspose and thin-conv groups, then each layer, as float islands on the calibration batch shape (up to 60 s) and keep " +
                          "float those slower in int8 — every layer when int8 still does not beat float.",
            DefaultValueFactory = _ => "accuracy",
        };
        var timings = new Option<string?>("--timings")
        {
            Description = "With --optimize-for speed: replay this timings file when it exists (no timing; same placement and outputs every run), " +
                          "else write the measured timings to it.",
        };
        var command = new Command("run", "Calibrate a float model on sample images and write the quantized models, record, config and CSV (and, with --eval-set, the accuracy report).")
        {
            budget,
            noSpeed,
            optimizeFor,
            timings,
        };
        flags.AddTo(command);
        foreach (var option in evaluation.All.Concat(fidelity.All)) command.Options.Add(option);
        command.SetAction(parse =>
        {
            evaluation.RequireEvalSetFor(parse, budget);
            var request = flags.Request(parse) with
            {
                Speed = parse.GetValue(noSpeed) ? null : LatencyBudget.Default,
                OptimizeFor = OptimizationGoals.Parse(parse.GetValue(optimizeFor)!),
                TimingsPath = parse.GetValue(timings),
                Fidelity = fidelity.Resolve(parse),
            };
            if (parse.GetValue(evaluation.EvalSet) is { } evalSet)
                return RunAndEvaluate(console, new EvaluatedRunRequest
                {
                    Calibration = request,
                    EvalSet = evalSet,
                    Settings = evaluation.Resolve(parse, new EvaluationSettings()),
                    AccuracyBudget = parse.GetValue(budget),
                    PlotLayers = evaluation.PlotLayerNames(parse),
                });
            var steps = new List<FidelityStep>();
            try
            {
                var outcome = ProgressView.Show(console, view => CalibrationRun.Execute(request, view.Calibration, console.Warn,
                    step => { steps.Add(step); if (!console.IsTerminal) FidelityView.Step(console.PlainOutput, step, steps.Count); }));
                Summarize(console.Output, outcome);
                return CalibApp.Success;
            }
            finally
            {
                // The progress display owns the terminal while it runs: steps are printed after it, also when the target is not met.
                if (console.IsTerminal)
                    foreach (var (step, i) in steps.Select((s, i) => (s, i))) FidelityView.Step(console.PlainOutput, step, i + 1);
            }
        });
        return command;
    }

    private static int RunAndEvaluate(CliConsole console, EvaluatedRunRequest request)
    {
        // Budget steps are printed after the progress display, which owns the terminal while it runs; also when the search fails.
        var steps = new List<BudgetStep>();
        try
        {
            var outcome = ProgressView.Show(console, view => EvaluatedRun.Execute(request, view.Calibration, view.Evaluation,
                step => { steps.Add(step); if (!console.IsTerminal) EvaluationView.BudgetStep(console.PlainOutput, step, steps.Count); },
                console.Warn));
            Summarize(console.Output, outcome.Calibration);
            EvaluationView.Summarize(console.Output, outcome.Report);
            if (outcome.Budget is { } budget) EvaluationView.Budget(console.Output, budget);
            return CalibApp.Success;
        }
        finally
        {
            if (console.IsTerminal)
                foreach (var (step, i) in steps.Select((s, i) => (s, i))) EvaluationView.BudgetStep(console.PlainOutput, step, i + 1);
        }
    }

    /// <summary>The per-layer table and the list of files written.</summary>
    public static void Summarize(IAnsiConsole console, CalibrationOutcome outcome)
    {
        if (outcome.Preparation is { } preparation)
            console.WriteLine($"Prepared the model: {preparation} (details: calib inspect).");
        if (outcome.EqualizedPairs is { } pairs) console.WriteLine(Equalization(pairs));
        var table = new Table().AddColumns("layer", "op", "act_algo", "clip range", "scale_d", "offset_d", "weights");
        foreach (var layer in outcome.Result.Layers)
        {
            var input = layer.Input;
            table.AddRow(
                Markup.Escape(layer.Layer.Name), layer.Layer.OpType, QuantConfig.AlgorithmName(input.Algorithm),
                Markup.Escape($"[{Number(input.Clip.Min)}, {Number(input.Clip.Max)}]"),
                input.Params.Scale.ToString("G6", CultureInfo.InvariantCulture),
                (-input.Params.ZeroPoint).ToString(CultureInfo.InvariantCulture),
                layer.Weights is { } w ? $"int8 ×{w.Scales.Length} scale{(w.Scales.Length > 1 ? "s" : "")}"
                : layer.SecondInput is { } second ? Markup.Escape($"input 1 [{Number(second.Clip.Min)}, {Number(second.Clip.Max)}]")
                : "-");
        }
        console.Write(table);
        var forSpeed = outcome.Placement?.FloatLayers.Count ?? 0;
        var skipped = outcome.Plan.SkippedByConfig.Count - forSpeed;
        var notes = new[] { skipped > 0 ? $"{skipped} skipped by config" : null, forSpeed > 0 ? $"{forSpeed} kept float for speed" : null }.OfType<string>().ToList();
        console.WriteLine($"Quantized {outcome.Result.Layers.Count} layers{(notes.Count > 0 ? $" ({string.Join(", ", notes)})" : "")} " +
            $"{(outcome.Samples > 0 ? $"from {outcome.Samples} {outcome.SampleNoun}" : "from the model's learned quantization")} in {outcome.Elapsed.TotalSeconds:F1} s. Wrote:");
        foreach (var file in outcome.Files) console.WriteLine($"  {file}");
        if (outcome.RangeChoice is { } choice) FidelityView.RangeChoice(console, choice, outcome.SampleNoun);
        if (outcome.BiasCorrection is { } trial) FidelityView.BiasCorrection(console, trial, outcome.SampleNoun);
        if (outcome.Fidelity is { } fidelity) FidelityView.Summarize(console, fidelity, outcome.FidelityBudget);
        foreach (var line in outcome.Placement?.Describe() ?? []) console.WriteLine(line);
        if (outcome.Speed is { } speed)
        {
            console.WriteLine(speed.Describe());
            if (speed.Advice(placedForSpeed: outcome.Placement is not null) is { } advice) console.WriteLine(advice);
        }
    }

    private static string Equalization(int pairs) => pairs == 0
        ? "Cross-layer equalization: no layer pair qualifies (a Conv or Gemm whose output reaches only the next Conv/Gemm/MatMul, " +
          "through Relu, LeakyRelu, PRelu or MaxPool at most); the weights are as trained."
        : $"Cross-layer equalization: rescaled the weights of {pairs} layer pair{(pairs == 1 ? "" : "s")} per channel (the float outputs are unchanged; " +
          "the equalized weights are the ones quantized, recorded and written).";

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
