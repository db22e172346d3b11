using System.CommandLine;
using System.Text.Json;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Cli.Infrastructure;
using Calib.Graph;
using Calib.Graph.Analysis;
using Calib.Graph.Caffe;
using Calib.Graph.Ir;
using Calib.Graph.Shapes;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary><c>calib inspect</c>: every node of a model, whether calib quantizes it, and why not.</summary>
internal static class InspectCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new ModelOptions();
        var json = CommonOptions.Json();
        var config = new Option<string?>("--config") { Description = "Show the layers this config (detailed JSON or .cfg) disables as 'skipped by config'." };
        var command = new Command("inspect", "List every layer of a model: quantizable or not, and the exact reason when not.");
        foreach (var option in model.All.Append(config).Append(json)) command.Options.Add(option);
        command.SetAction(parse => Execute(console, model.ModelPath(parse), model.WeightsPath(parse), model.Load(parse, console),
            parse.GetValue(config), parse.GetValue(json)));
        return command;
    }

    private static int Execute(CliConsole console, string modelPath, string? weightsPath, LoadedModel loaded, string? configPath, bool asJson)
    {
        var onnx = loaded.Model;
        // Unnamed nodes get the names configs and records use for them.
        new Graph.Passes.NodeNaming().Apply(onnx);
        var disabled = configPath is null ? new HashSet<string>() : DisabledBy(onnx, configPath);
        var tensors = TensorInfosOf(onnx, console);
        var report = InspectionReport.Create(modelPath, weightsPath, onnx, loaded.Preprocessing, tensors, disabled);
        if (asJson) console.PlainOutput.WriteLine(JsonSerializer.Serialize(report, InspectionReport.JsonOptions));
        else
        {
            Render(console.Output, report);
            // The pairs convert, run and the rest only count.
            if (loaded.Caffe is { MergedLayers.Count: > 0 } caffe) console.Output.WriteLine(CaffeNotices.JoinedPairs(caffe.MergedLayers));
        }
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
        : layer.Weight is null ? $"{layer.Kind}, input only"
        : $"{layer.Kind}, weight {InspectionReport.Format(layer.WeightShape)}";

    private static void Render(IAnsiConsole console, InspectionReport report)
    {
        console.WriteLine(report.Weights is null
            ? $"Model: {report.Model}  (opset {report.Opset}, {report.Layers.Count} nodes)"
            : $"Model: {report.Model} + {report.Weights}  (Caffe, converted to opset {report.Opset}, {report.Layers.Count} nodes named after the layers)");
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
        console.WriteLine($"{report.QuantizableCount} of {report.Layers.Count} nodes quantizable ({string.Join(", ", byKind)}).");
    }
}
