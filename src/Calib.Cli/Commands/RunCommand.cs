using System.CommandLine;
using System.Globalization;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
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
        var model = new ModelOptions();
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

        var command = new Command("run", "Calibrate a float model on sample images and write the quantized models, record, config and CSV.");
        Option[] options = [.. model.All, calibSet, batchNum, batchSize, config, actAlgo, symmetric, perTensor, noFusion, output, device, threads, skipBad, .. preprocessing.All];
        foreach (var option in options) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var modelPath = model.ModelPath(parse);
            var request = new CalibrationRequest
            {
                ModelPath = modelPath,
                WeightsPath = model.WeightsPath(parse),
                InputShape = model.Shape(parse),
                CalibrationSet = parse.GetValue(calibSet)!,
                BatchSize = parse.GetValue(batchSize),
                Preprocessing = preprocessing.ResolveOrNull(parse),
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
                    IntraOpThreads = parse.GetValue(threads) >= 0 ? parse.GetValue(threads) : throw new CalibException("--threads must be 0 or more."),
                },
                SkipUndecodable = parse.GetValue(skipBad),
            };
            var outcome = WithProgress(console, request);
            Summarize(console.Output, outcome);
            return CalibApp.Success;
        });
        return command;
    }

    private static ActivationAlgorithm ParseAlgorithm(string name) => QuantConfig.ParseAlgorithm(name)
        ?? throw new CalibException($"--act-algo '{name}' is not one of ifmr, hfmg, minmax, percentile, entropy, mse.");

    private static CalibrationOutcome WithProgress(CliConsole console, CalibrationRequest request)
    {
        if (!console.IsTerminal)
            return CalibrationRun.Execute(request, (done, total) => console.PlainOutput.WriteLine($"calibration batch {done}/{total}"), console.Warn);
        CalibrationOutcome? outcome = null;
        console.Output.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("calibrating");
                outcome = CalibrationRun.Execute(request, (done, total) => { task.MaxValue = total; task.Value = done; }, console.Warn);
            });
        return outcome!;
    }

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
