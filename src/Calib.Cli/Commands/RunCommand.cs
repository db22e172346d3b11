using System.CommandLine;
using System.Globalization;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Quantization;
using Calib.Cli.Infrastructure;
using Calib.Graph;
using Calib.Graph.Execution;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary><c>calib run</c>: post-training calibration end to end.</summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var model = CommonOptions.Model();
        var calibSet = new Option<string>("--calib-set") { Description = "Folder of calibration images (PNG, JPEG, BMP; searched recursively) or .npy tensors.", Required = true };
        var batchNum = new Option<int?>("--batch-num") { Description = $"Number of calibration batches (AMCT batch_num; default: the config's, else {QuantConfig.DefaultBatchNum})." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Images per batch (default: the model's fixed batch size, else 1)." };
        var actAlgo = new Option<string?>("--act-algo") { Description = "Activation algorithm for every layer: ifmr (AMCT's default), hfmg, minmax, percentile, entropy, mse." };
        var config = new Option<string?>("--config") { Description = "Quantization config: AMCT's detailed JSON (calib config init) or simplified .cfg. Flags given here override it." };
        var symmetric = new Option<bool>("--symmetric") { Description = "int8 symmetric activations (AMCT activation_offset: false) instead of uint8 with an offset." };
        var perTensor = new Option<bool>("--per-tensor-weights") { Description = "One weight scale per tensor instead of per output channel." };
        var noFusion = new Option<bool>("--no-fusion") { Description = "Do not fold BatchNorm or drop pass-through nodes (AMCT do_fusion: false)." };
        var output = new Option<string?>("--output", "-o") { Description = "Output folder (default ./calib-out/<model>/)." };
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var skipBad = new Option<bool>("--skip-bad-images") { Description = "Skip images that do not decode, with a warning, instead of failing." };
        var preprocessing = new PreprocessingOptions();
        var evaluation = new EvaluationOptions(evalSetRequired: false);
        var budget = new Option<double?>("--accuracy-budget")
        {
            Description = "With --eval-set: keep the most sensitive layers in float, one at a time, until fake-quant top-1 is within this many points of float (AMCT accuracy_based_auto_calibration).",
        };

        var command = new Command("run", "Calibrate a float model on sample images and write the quantized models, record, config and CSV (and, with --eval-set, the accuracy report).")
        {
            model, calibSet, batchNum, batchSize, config, actAlgo, symmetric, perTensor, noFusion, output, device, threads, skipBad, budget,
        };
        foreach (var option in evaluation.All.Concat(preprocessing.All)) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var modelPath = parse.GetValue(model)!;
            var request = new CalibrationRequest
            {
                ModelPath = modelPath,
                CalibrationSet = parse.GetValue(calibSet)!,
                BatchSize = parse.GetValue(batchSize),
                Preprocessing = preprocessing.Resolve(parse),
                ConfigPath = parse.GetValue(config),
                Overrides = new SettingOverrides
                {
                    BatchNum = parse.GetValue(batchNum),
                    Algorithm = parse.GetValue(actAlgo) is { } name ? ParseAlgorithm(name) : null,
                    ActivationOffset = parse.GetValue(symmetric) ? false : null,
                    ChannelWise = parse.GetValue(perTensor) ? false : null,
                    DoFusion = parse.GetValue(noFusion) ? false : null,
                },
                OutputDirectory = parse.GetValue(output) ?? CalibrationRun.DefaultOutputDirectory(modelPath),
                Execution = new ExecutionOptions
                {
                    Device = CommonOptions.ParseDevice(parse.GetValue(device)!),
                    IntraOpThreads = CommonOptions.ParseThreads(parse.GetValue(threads)),
                },
                SkipUndecodable = parse.GetValue(skipBad),
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
            if (parse.GetValue(budget) is not null)
                throw new CalibException("--accuracy-budget needs --eval-set: the labelled images to measure top-1 on.");
            var outcome = ProgressView.Show(console, view => CalibrationRun.Execute(request, view.Calibration, console.Warn));
            Summarize(console.Output, outcome);
            return CalibApp.Success;
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

    private static ActivationAlgorithm ParseAlgorithm(string name) => QuantConfig.ParseAlgorithm(name)
        ?? throw new CalibException($"--act-algo '{name}' is not one of ifmr, hfmg, minmax, percentile, entropy, mse.");

    private static void Summarize(IAnsiConsole console, CalibrationOutcome outcome)
    {
        var table = new Table().AddColumns("layer", "op", "act_algo", "clip range", "scale_d", "offset_d", "weights");
        foreach (var layer in outcome.Result.Layers)
        {
            var input = layer.Input;
            table.AddRow(
                Markup.Escape(layer.Layer.Name), layer.Layer.OpType, QuantConfig.AlgorithmName(input.Algorithm),
                Markup.Escape($"[{Number(input.Clip.Min)}, {Number(input.Clip.Max)}]"),
                input.Params.Scale.ToString("G6", CultureInfo.InvariantCulture),
                (-input.Params.ZeroPoint).ToString(CultureInfo.InvariantCulture),
                layer.Weights is { } w ? $"int8 ×{w.Scales.Length} scale{(w.Scales.Length > 1 ? "s" : "")}" : "-");
        }
        console.Write(table);
        var skipped = outcome.Plan.SkippedByConfig.Count;
        console.WriteLine($"Quantized {outcome.Result.Layers.Count} layers{(skipped > 0 ? $" ({skipped} skipped by config)" : "")} " +
            $"from {outcome.Images} images in {outcome.Elapsed.TotalSeconds:F1} s. Wrote:");
        foreach (var file in outcome.Files) console.WriteLine($"  {file}");
    }

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
