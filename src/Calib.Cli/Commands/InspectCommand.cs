using System.CommandLine;
using System.Text.Json;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Cli.Infrastructure;
using Calib.Graph;
using Calib.Graph.Analysis;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Shapes;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary><c>calib inspect</c>: every node of a model, whether calib quantizes it, and why not.</summary>
internal static class InspectCommand
{
    public static Command Create(CliConsole console)
    {
        var model = CommonOptions.Model();
        var json = CommonOptions.Json();
        var config = new Option<string?>("--config") { Description = "Show the layers this config (detailed JSON or .cfg) disables as 'skipped by config'." };
        var command = new Command("inspect", "List every layer of a model: quantizable or not, and the exact reason when not.")
        {
            model, config, json,
        };
        command.SetAction(parse => Execute(console, parse.GetValue(model)!, parse.GetValue(config), parse.GetValue(json)));
        return command;
    }

    private static int Execute(CliConsole console, string modelPath, string? configPath, bool asJson)
    {
        var onnx = OnnxModelFile.Load(modelPath);
        // Unnamed nodes get the names configs and records use for them.
        new Graph.Passes.NodeNaming().Apply(onnx);
        var disabled = configPath is null ? new HashSet<string>() : DisabledBy(onnx, configPath);
        var tensors = TensorInfosOf(onnx, console);
        var report = InspectionReport.Create(modelPath, onnx, tensors, disabled);
        if (asJson) console.PlainOutput.WriteLine(JsonSerializer.Serialize(report, InspectionReport.JsonOptions));
        else Render(console.Output, report);
        return CalibApp.Success;
    }

    private static HashSet<string> DisabledBy(OnnxModel model, string configPath)
    {
        var (_, config) = CalibrationRun.PrepareAndConfigure(model, configPath, new SettingOverrides());
        return config.Layers.Where(l => !l.Value.QuantEnable).Select(l => l.Key).ToHashSet(StringComparer.Ordinal);
    }

    private static TensorInfoCatalog TensorInfosOf(OnnxModel model, CliConsole console)
    {
        try
        {
            return TensorInfoCatalog.Build(model);
        }
        catch (CalibException e)
        {
            console.Warn($"shapes are shown as declared in the file only: {e.Message}");
            return TensorInfoCatalog.FromDeclarations(model);
        }
    }

    private static string Details(InspectionReport.LayerRow layer) =>
        !layer.Quantizable ? layer.Reason!
        : layer.Weight is null ? $"{layer.Kind}, input only"
        : $"{layer.Kind}, weight {InspectionReport.Format(layer.WeightShape)}";

    private static void Render(IAnsiConsole console, InspectionReport report)
    {
        console.WriteLine($"Model: {report.Model}  (opset {report.Opset}, {report.Layers.Count} nodes)");
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
        console.WriteLine($"{report.QuantizableCount} of {report.Layers.Count} nodes quantizable ({string.Join(", ", byKind)}).");
    }
}
