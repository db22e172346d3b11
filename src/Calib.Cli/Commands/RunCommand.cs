using System.CommandLine;
using System.Globalization;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Cli.Infrastructure;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary><c>calib run</c>: post-training calibration end to end.</summary>
internal static class RunCommand
{
    public static Command Create(CliConsole console)
    {
        var flags = new CalibrationFlags();
        var command = new Command("run", "Calibrate a float model on sample images and write the quantized models, record, config and CSV.");
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            var request = flags.Request(parse);
            var outcome = CliProgress.Run(console, "calibration batch", onBatch => CalibrationRun.Execute(request, onBatch, console.Warn));
            Summarize(console.Output, outcome);
            return CalibApp.Success;
        });
        return command;
    }

    /// <summary>The per-layer table and the list of files written.</summary>
    public static void Summarize(IAnsiConsole console, CalibrationOutcome outcome)
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
            $"{(outcome.Images > 0 ? $"from {outcome.Images} images" : "from the model's learned quantization")} in {outcome.Elapsed.TotalSeconds:F1} s. Wrote:");
        foreach (var file in outcome.Files) console.WriteLine($"  {file}");
    }

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
