using System.CommandLine;
using System.Text.Json;
using Calib.Algorithms.Preparation;
using Calib.Algorithms.Workflows;
using Calib.Cli.Infrastructure;
using Calib.Graph.Caffe;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary><c>calib inspect</c>: every node of the prepared model, whether calib quantizes it, and why not.</summary>
internal static class InspectCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new ModelOptions();
        var json = CommonOptions.Json();
        var config = new Option<string?>("--config") { Description = "Show the layers this config (detailed JSON or .cfg) disables as 'skipped by config'." };
        var command = new Command("inspect", "List every layer of a model: quantizable or not, and the exact reason when not.");
        foreach (var option in model.All.Append(config).Append(json)) command.Options.Add(option);
        command.SetAction(parse => Execute(console, model.Source(parse), parse.GetValue(config), parse.GetValue(json)));
        return command;
    }

    private static int Execute(CliConsole console, ModelSource source, string? configPath, bool asJson)
    {
        var report = Inspection.Inspect(source, configPath, console.Warn);
        if (report.ShapesNote is { } note) console.Warn($"shapes are shown as declared in the file only: {note}");
        if (asJson) console.PlainOutput.WriteLine(JsonSerializer.Serialize(report, InspectionReport.JsonOptions));
        else
        {
            Render(console.Output, report);
            // The pairs convert, run and the rest only count.
            if (report.CaffeMerges is { } merges) console.Output.WriteLine(merges);
        }
        return CalibApp.Success;
    }

    private static string Describe(CaffePreprocessing p)
    {
        var steps = new List<string>();
        if (p.Resize is [var h, var w]) steps.Add($"resize {h}x{w}");
        if (p.Crop is [var ch, var cw]) steps.Add($"center crop {ch}x{cw}");
        if (p.MeanValues is not null) steps.Add($"mean_value {string.Join(",", p.MeanValues)}");
        if (p.MeanFile is not null) steps.Add(p.MeanFilePath is null ? $"mean_file {p.MeanFile} (not found)" : $"mean_file {p.MeanFilePath}");
        steps.Add($"scale {p.Scale}");
        return string.Join(", ", steps);
    }

    private static string Details(InspectionReport.LayerRow layer) =>
        !layer.Quantizable ? layer.Reason!
        : layer.SecondInput is { } second ? $"{layer.Kind} of two activations, input 1 '{second}' quantized as an activation"
        : layer.Weight is null ? $"{layer.Kind}, input only"
        : $"{layer.Kind}, weight {InspectionReport.Format(layer.WeightShape)}";

    private static void Render(IAnsiConsole console, InspectionReport report)
    {
        console.WriteLine(report.Weights is null
            ? $"Model: {report.Model}  (opset {report.Opset}, {report.Layers.Count} nodes)"
            : $"Model: {report.Model} + {report.Weights}  (Caffe, converted to opset {report.Opset}, {report.Layers.Count} nodes named after the layers)");
        if (report.Preparation.Count > 0)
        {
            console.WriteLine($"Prepared as 'calib run' does ({report.Preparation.Count} changes):");
            foreach (var change in report.Preparation) console.WriteLine($"  {change}");
        }
        if (report.Preprocessing is { } preprocessing)
            console.WriteLine($"Preprocessing (transform_param of data layer '{preprocessing.Layer}'): {Describe(preprocessing)}");
        foreach (var input in report.Inputs)
            console.WriteLine($"Input: {input.Name} {input.Type} {InspectionReport.Format(input.Shape)}");
        var table = new Table().AddColumns("#", "node", "op", "quantized", "details", "input → output");
        foreach (var layer in report.Layers)
        {
            table.AddRow(
                layer.Index.ToString(),
                Markup.Escape(layer.Name),
                layer.Op,
                layer.Quantizable ? "[green]yes[/]" : "no",
                Markup.Escape(Details(layer)),
                Markup.Escape($"{(layer.Input is null ? "-" : InspectionReport.Format(layer.InputShape))} → {InspectionReport.Format(layer.OutputShape)}"));
        }
        console.Write(table);
        var byKind = report.Layers.Where(l => l.Quantizable).GroupBy(l => l.Kind).Select(g => $"{g.Key} {g.Count()}");
        var kinds = report.QuantizableCount > 0 ? $" ({string.Join(", ", byKind)})" : "";
        console.WriteLine($"{report.QuantizableCount} of {report.Layers.Count} nodes quantizable{kinds}.");
    }
}
