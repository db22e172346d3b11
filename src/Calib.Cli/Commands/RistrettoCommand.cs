using System.CommandLine;
using System.Globalization;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Ristretto;
using Calib.Cli.Infrastructure;
using Calib.Graph;

namespace Calib.Cli.Commands;

/// <summary><c>calib ristretto quantize</c>: Ristretto's bit-width search (docs/RISTRETTO.md).</summary>
internal static class RistrettoCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("ristretto", "Ristretto mode: dynamic fixed point, minifloat or power-of-two weights, with the smallest bit widths within an accuracy margin.");
        command.Subcommands.Add(Quantize(console));
        return command;
    }

    private static Command Quantize(CliConsole console)
    {
        var model = new ModelOptions();
        // The eval set, mode and output are checked in the action, so that a missing one is a one-line error.
        var quantized = new Option<string?>("--model-quantized") { Description = "The quantized description to write: a Ristretto prototxt (Caffe models) or JSON (ONNX models); <stem>_simulation.onnx goes beside it." }.NamesFile();
        var mode = new Option<string?>("--trimming-mode") { Description = $"One of {string.Join(", ", RistrettoRequest.ModeNames)}." };
        var margin = new Option<string>("--error-margin") { Description = "The allowed absolute accuracy drop in percent (default 2, as Ristretto).", DefaultValueFactory = _ => "2" };
        var iterations = new Option<int>("--iterations") { Description = "Batches scored per network (default 50, as Ristretto).", DefaultValueFactory = _ => 50 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per batch (default 100).", DefaultValueFactory = _ => 100 };
        var evalSet = new Option<string?>("--eval-set") { Description = "Labelled images: a folder of MNIST IDX files, class sub-folders, or images with a labels.csv." };
        var execution = new ExecutionFlags();
        var preprocessing = new PreprocessingOptions();
        var command = new Command("quantize", "Score the float net, search the bit widths as Ristretto does, print its analysis and write the quantized prototxt and an ONNX simulation model.");
        foreach (var option in model.All) command.Options.Add(option);
        foreach (var option in new Option[] { quantized, mode, margin, iterations, batchSize, evalSet }) command.Options.Add(option);
        foreach (var option in execution.All.Concat(preprocessing.All)) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var request = new RistrettoRequest
            {
                ModelPath = model.ModelPath(parse),
                WeightsPath = model.WeightsPath(parse),
                InputShape = model.Shape(parse),
                QuantizedModelPath = parse.GetValue(quantized) ?? throw new CalibException("--model-quantized is required: the quantized prototxt (or, for ONNX models, JSON) to write."),
                TrimmingMode = ParseMode(parse.GetValue(mode)),
                ErrorMargin = ParseMargin(parse.GetValue(margin)!),
                Iterations = parse.GetValue(iterations),
                BatchSize = parse.GetValue(batchSize),
                EvalSet = parse.GetValue(evalSet) ?? throw new CalibException("--eval-set is required: Ristretto scores accuracy on labelled images (MNIST IDX files, class sub-folders or a labels.csv)."),
                Preprocessing = preprocessing.ResolveOrNull(parse),
                Execution = execution.Resolve(parse),
            };
            var outcome = RistrettoQuantization.Execute(request, step => console.PlainOutput.WriteLine($"ristretto: {step}"), console.Warn);
            // Ristretto logs the analysed integer lengths before its summary.
            foreach (var (layer, ranges) in outcome.Ranges)
                console.PlainOutput.WriteLine($"Layer {layer}, integer length input={ranges.InputIntegerLength}, output={ranges.OutputIntegerLength}, parameters={ranges.ParamsIntegerLength}");
            console.PlainOutput.Write(outcome.Analysis.Report());
            console.PlainOutput.WriteLine($"Scored {outcome.Samples} images per network in {outcome.Elapsed.TotalSeconds:F1} s. Wrote:");
            foreach (var file in outcome.Files) console.PlainOutput.WriteLine($"  {file}");
            return CalibApp.Success;
        });
        return command;
    }

    private static RistrettoPrecision ParseMode(string? text) =>
        text is null
            ? throw new CalibException($"--trimming-mode is required: one of {string.Join(", ", RistrettoRequest.ModeNames)}.")
            : RistrettoRequest.ParseMode(text)
              ?? throw new CalibException($"--trimming-mode '{text}' is not a Ristretto trimming mode: use one of {string.Join(", ", RistrettoRequest.ModeNames)}.");

    private static double ParseMargin(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CalibException($"--error-margin '{text}' is not a number: give the allowed accuracy drop in percent, e.g. 1.");
}
