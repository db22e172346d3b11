using System.CommandLine;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Retrain;
using Calib.Cli.Infrastructure;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary><c>calib retrain export|import</c>: the quantization-aware-training hand-off (docs/RETRAIN.md).</summary>
internal static class RetrainCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("retrain", "Hand a model to quantization-aware fine-tuning and take the result back.");
        command.Subcommands.Add(Export(console));
        command.Subcommands.Add(Import(console));
        return command;
    }

    private static Command Export(CliConsole console)
    {
        var flags = new CalibrationFlags();
        var command = new Command("export", "Calibrate, then write <model>_retrain.onnx (Q/DQ initialised from calibration) and <model>_retrain_config.json for fine-tuning.");
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            var request = flags.Request(parse);
            var files = ProgressView.Show(console, view => RetrainExport.Execute(request, view.Calibration, console.Warn));
            console.Output.WriteLine("Wrote:");
            foreach (var file in files) console.Output.WriteLine($"  {file}");
            return CalibApp.Success;
        });
        return command;
    }

    private static Command Import(CliConsole console)
    {
        var model = new Option<string>("--model", "-m") { Description = "The fine-tuned model: an ONNX file with QuantizeLinear/DequantizeLinear pairs (e.g. a PyTorch QAT export).", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Output folder.", Required = true }.NamesFolder();
        var ranges = new Option<string?>("--ranges") { Description = "<model>_retrain_config.json from 'calib retrain export': ranges for deploy tensors the model does not quantize." };
        var images = new CalibrationSetOptions(calibSetRequired: false, "Images to measure deploy tensors the model does not quantize (instead of --ranges).");
        var evalSet = new Option<string?>("--eval-set") { Description = "Labelled images: write the accuracy report (<model>_accuracy.csv/.json) beside the outputs." };
        var execution = new ExecutionFlags();
        var preprocessing = new PreprocessingOptions();
        var command = new Command("import", "Take a fine-tuned QDQ model back: write the same outputs as 'calib run', keeping the learned scales and zero points exactly.")
        {
            model, output, ranges, evalSet,
        };
        foreach (var option in images.All.Concat(execution.All).Concat(preprocessing.All)) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var request = new RetrainImportRequest
            {
                ModelPath = parse.GetValue(model)!,
                OutputDirectory = parse.GetValue(output)!,
                RangesPath = parse.GetValue(ranges),
                CalibrationSet = parse.GetValue(images.CalibSet),
                EvalSet = parse.GetValue(evalSet),
                BatchNum = parse.GetValue(images.BatchNum) ?? Algorithms.Configuration.QuantConfig.DefaultBatchNum,
                BatchSize = parse.GetValue(images.BatchSize),
                Preprocessing = preprocessing.ResolveOrNull(parse),
                Execution = execution.Resolve(parse),
            };
            var outcome = ProgressView.Show(console, view => RetrainImport.Execute(request, view.Calibration, console.Warn));
            RunCommand.Summarize(console.Output, outcome);
            return CalibApp.Success;
        });
        return command;
    }
}
