using System.Text.RegularExpressions;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.IO;

namespace Calib.Algorithms.Reporting;

/// <summary>Adds the accuracy report's files to an <see cref="OutputFileSet"/>: the CSV and JSON, and the PNG plots.</summary>
public static partial class ReportFiles
{
    /// <summary>Adds <c>&lt;stem&gt;.csv</c> (per layer) and <c>&lt;stem&gt;.json</c> (the model outputs and the layer ranking) of a label-free evaluation.</summary>
    public static void AddTables(OutputFileSet files, string stem, DiagnosisReport report, string quantizedName)
    {
        files.AddText($"{stem}.csv", AccuracyCsv.Write(report.Layers));
        files.AddText($"{stem}.json", DiagnosisSummary.Write(report, quantizedName));
    }

    /// <summary>Adds <c>&lt;stem&gt;.csv</c> (per layer) and <c>&lt;stem&gt;.json</c> (per model).</summary>
    public static void AddTables(OutputFileSet files, string stem, EvaluationReport report, BudgetResult? budget = null)
    {
        files.AddText($"{stem}.csv", AccuracyCsv.Write(report));
        files.AddText($"{stem}.json", AccuracySummary.Write(report, budget));
    }

    /// <summary>
    /// Adds <c>&lt;prefix&gt;layer_sqnr.png</c> and <c>&lt;prefix&gt;histogram_&lt;layer&gt;.png</c> for each of
    /// <paramref name="plotLayers"/> (by default the layer that adds the most error).
    /// </summary>
    /// <exception cref="CalibException">A name in <paramref name="plotLayers"/> is not a quantized layer.</exception>
    public static void AddPlots(OutputFileSet files, string prefix, EvaluationReport report, IReadOnlyList<string> plotLayers) =>
        AddPlots(files, prefix, report.Layers, report.InputHistograms, plotLayers);

    /// <summary>The plots of <see cref="AddPlots(OutputFileSet, string, EvaluationReport, IReadOnlyList{string})"/> for a label-free evaluation.</summary>
    /// <exception cref="CalibException">A name in <paramref name="plotLayers"/> is not a quantized layer.</exception>
    public static void AddPlots(OutputFileSet files, string prefix, DiagnosisReport report, IReadOnlyList<string> plotLayers) =>
        AddPlots(files, prefix, report.Layers, report.InputHistograms, plotLayers);

    private static void AddPlots(OutputFileSet files, string prefix, IReadOnlyList<LayerReport> layers,
        IReadOnlyDictionary<string, StreamingHistogram> histograms, IReadOnlyList<string> plotLayers)
    {
        files.Add($"{prefix}layer_sqnr.png", LayerSqnrChart.Render(layers));
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in Chosen(layers, plotLayers))
        {
            var name = FileStem(layer.Name);
            for (var i = 2; !used.Add(name); i++) name = $"{FileStem(layer.Name)}_{i}";
            files.Add($"{prefix}histogram_{name}.png",
                ActivationHistogramChart.Render(layer.Name, histograms[layer.Name], layer.Clip, layer.ClipSource));
        }
    }

    private static IEnumerable<LayerReport> Chosen(IReadOnlyList<LayerReport> layers, IReadOnlyList<string> names)
    {
        if (names.Count == 0) return layers.OrderBy(l => l.ErrorRank).Take(1);
        var byName = layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var unknown = names.FirstOrDefault(n => !byName.ContainsKey(n));
        if (unknown is not null)
            throw new CalibException(
                $"--plot-layer '{unknown}' is not a quantized layer of the model; the quantized layers are {string.Join(", ", layers.Select(l => $"'{l.Name}'"))}.");
        return names.Distinct(StringComparer.Ordinal).Select(n => byName[n]);
    }

    // "/conv1/Conv" → "conv1_Conv": file names keep letters, digits, '_', '-' and '.'.
    private static string FileStem(string layer) => UnsafeCharacters().Replace(layer, "_").Trim('_') is { Length: > 0 } stem ? stem : "layer";

    [GeneratedRegex("[^A-Za-z0-9_.-]+")]
    private static partial Regex UnsafeCharacters();
}
