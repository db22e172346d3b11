using System.CommandLine;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Reporting;
using Calib.Cli.Infrastructure;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.IO;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary><c>calib eval</c>: a quantized model against its float model on a labelled set.</summary>
internal static class EvalCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new ModelOptions();
        var quantized = new Option<string>("--quantized", "-q") { Description = "The quantized QDQ model, e.g. calib run's <model>_fake_quant.onnx.", Required = true };
        var report = new Option<string?>("--report") { Description = "Write the per-layer CSV here, and the model figures as JSON beside it (same name, .json)." }.NamesFile();
        var plots = new Option<string?>("--plots") { Description = "Write PNG plots to this folder: per-layer SQNR, and input histograms with clip ranges." }.NamesFolder();
        var batchSize = new Option<int?>("--batch-size") { Description = $"Images per batch (default: the model's fixed batch size, else {EvaluationSettings.DefaultBatchSize})." };
        var execution = new ExecutionFlags();
        var evaluation = new EvaluationOptions(evalSetRequired: false);
        var images = new Option<string?>("--images")
        {
            Description = "Instead of --eval-set: unlabelled samples in any form --calib-set takes (images, .npy, .npz, \"dirA;dirB\", images + .npz) — output fidelity and per-layer error against float on --layer-samples of them.",
        };
        var preprocessing = new PreprocessingOptions();

        var command = new Command("eval", "Measure a quantized model against its float model: top-1/top-5, agreement, per-layer error and sensitivity (--eval-set), or without labels output fidelity and per-layer error (--images).")
        {
            quantized, report, plots, batchSize, images,
        };
        foreach (var option in model.All.Concat(evaluation.All).Concat(execution.All).Concat(preprocessing.All)) command.Options.Add(option);
        command.SetAction(parse =>
        {
            if ((parse.GetValue(evaluation.EvalSet) is null) == (parse.GetValue(images) is null))
                throw new CalibException("calib eval needs one of --eval-set DIR (labelled images: accuracy and per-layer error) or --images DIR (images or tensor files, no labels: output fidelity and per-layer error).");
            if (parse.GetValue(images) is not null && parse.GetValue(evaluation.Limit) is not null)
                throw new CalibException("--limit applies to --eval-set; with --images, --layer-samples says how many samples are measured.");
            if (parse.GetValue(plots) is null && evaluation.PlotLayerNames(parse).Count > 0)
                throw new CalibException("--plot-layer needs --plots DIR: the folder to write the histograms to.");
            var loaded = model.Load(parse, console);
            var settings = evaluation.Resolve(parse, new EvaluationSettings
            {
                // As calibration did: the flags, else the preprocessing recorded in the models, else the model's own (Caffe transform_param).
                Preprocessing = Algorithms.Data.PreprocessingMetadata.ForEvaluation(preprocessing.ResolveOrNull(parse), loaded,
                    model.ModelPath(parse), parse.GetValue(quantized)!, console.Warn),
                BatchSize = parse.GetValue(batchSize),
                Execution = execution.Resolve(parse),
            });
            var floatModel = new NamedModel(model.ModelPath(parse), loaded.Model);
            if (parse.GetValue(images) is { } folder)
                return EvaluateWithoutLabels(console, floatModel, parse.GetValue(quantized)!, folder, settings,
                    parse.GetValue(report), parse.GetValue(plots), evaluation.PlotLayerNames(parse));
            var result = ProgressView.Show(console, view => Evaluator.EvaluateFiles(
                floatModel, parse.GetValue(quantized)!, parse.GetValue(evaluation.EvalSet)!, settings, view.Evaluation));
            var written = Write(result, parse.GetValue(report), parse.GetValue(plots), evaluation.PlotLayerNames(parse));
            EvaluationView.Summarize(console.Output, result);
            if (written.Count > 0) console.Output.WriteLine("Wrote:");
            foreach (var file in written) console.Output.WriteLine($"  {file}");
            return CalibApp.Success;
        });
        return command;
    }

    private static int EvaluateWithoutLabels(CliConsole console, NamedModel floatModel, string quantizedPath, string folder,
        EvaluationSettings settings, string? reportPath, string? plotsDirectory, IReadOnlyList<string> plotLayers)
    {
        var result = ProgressView.Show(console, view => LabelFreeEvaluator.EvaluateFiles(floatModel, quantizedPath, folder, settings, view.Evaluation));
        var sets = new List<OutputFileSet>();
        if (reportPath is not null)
        {
            var tables = new OutputFileSet(Path.GetDirectoryName(Path.GetFullPath(reportPath))!);
            ReportFiles.AddTables(tables, Path.GetFileNameWithoutExtension(reportPath), result, Path.GetFileName(quantizedPath));
            sets.Add(tables);
        }
        if (plotsDirectory is not null)
        {
            var plots = new OutputFileSet(plotsDirectory);
            ReportFiles.AddPlots(plots, "", result, plotLayers);
            sets.Add(plots);
        }
        foreach (var set in sets) set.Commit();
        FidelityView.Summarize(console.Output, result.Output, null, Path.GetFileName(quantizedPath));
        EvaluationView.Layers(console.Output, result.ByError);
        var written = sets.SelectMany(s => s.Paths).ToList();
        if (written.Count > 0) console.Output.WriteLine("Wrote:");
        foreach (var file in written) console.Output.WriteLine($"  {file}");
        return CalibApp.Success;
    }

    // Every file's content is made before any is written.
    private static List<string> Write(EvaluationReport result, string? reportPath, string? plotsDirectory, IReadOnlyList<string> plotLayers)
    {
        var sets = new List<OutputFileSet>();
        if (reportPath is not null)
        {
            var tables = new OutputFileSet(Path.GetDirectoryName(Path.GetFullPath(reportPath))!);
            ReportFiles.AddTables(tables, Path.GetFileNameWithoutExtension(reportPath), result);
            sets.Add(tables);
        }
        if (plotsDirectory is not null)
        {
            var plots = new OutputFileSet(plotsDirectory);
            ReportFiles.AddPlots(plots, "", result, plotLayers);
            sets.Add(plots);
        }
        foreach (var set in sets) set.Commit();
        return sets.SelectMany(s => s.Paths).ToList();
    }
}
