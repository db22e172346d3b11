using System.Text;
using System.Text.Json;
using Calib.Algorithms.Evaluation;

namespace Calib.Algorithms.Reporting;

/// <summary>
/// The accuracy report's JSON: the models' top-1 and top-5, their differences, the agreement, the
/// layer rankings and the budget search. Timings are left out so that the file is deterministic.
/// </summary>
public static class AccuracySummary
{
    /// <summary>The JSON text.</summary>
    /// <param name="report">The evaluation.</param>
    /// <param name="budget">The accuracy-budget search that chose the model, when there was one.</param>
    public static string Write(EvaluationReport report, BudgetResult? budget = null)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("eval_set", report.EvalSet);
            json.WriteString("label_source", LabelSourceName(report.LabelSource));
            json.WriteNumber("images", report.Float.Images);
            json.WriteNumber("layer_samples", report.LayerSamples);
            json.WriteString("sensitivity", report.Sensitivity.ToString().ToLowerInvariant());
            WriteScore(json, "float", report.Float, null);
            WriteScore(json, "quantized", report.Quantized, report.Float);
            json.WriteStartArray("other_models");
            foreach (var other in report.Others) WriteScore(json, null, other, report.Float);
            json.WriteEndArray();
            WriteNames(json, "layers_by_error", report.ByError);
            WriteNames(json, "layers_by_sensitivity", report.BySensitivity);
            if (budget is not null) WriteBudget(json, budget);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteScore(Utf8JsonWriter json, string? key, ModelScore score, ModelScore? reference)
    {
        if (key is null) json.WriteStartObject();
        else json.WriteStartObject(key);
        json.WriteString("model", score.Name);
        json.WriteNumber("top1", score.Top1);
        json.WriteNumber("top5", score.Top5);
        if (reference is not null)
        {
            json.WriteNumber("top1_difference", score.Top1Difference(reference));
            json.WriteNumber("top5_difference", score.Top5Difference(reference));
            json.WriteNumber("agreement", score.Agreement(reference));
        }
        json.WriteEndObject();
    }

    private static void WriteNames(Utf8JsonWriter json, string key, IEnumerable<LayerReport> layers)
    {
        json.WriteStartArray(key);
        foreach (var layer in layers) json.WriteStringValue(layer.Name);
        json.WriteEndArray();
    }

    private static void WriteBudget(Utf8JsonWriter json, BudgetResult budget)
    {
        json.WriteStartObject("accuracy_budget");
        json.WriteNumber("budget", budget.Budget);
        json.WriteNumber("float_top1", budget.FloatTop1);
        json.WriteNumber("fully_quantized_top1", budget.QuantizedTop1);
        json.WriteStartArray("kept_float");
        foreach (var step in budget.Steps)
        {
            json.WriteStartObject();
            json.WriteString("layer", step.Layer);
            json.WriteNumber("top1_after", step.Top1);
            json.WriteNumber("drop_after", step.Drop);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string LabelSourceName(Data.LabelSource source) => source switch
    {
        Data.LabelSource.ClassFolders => "class_folders",
        Data.LabelSource.LabelsCsv => "labels_csv",
        _ => "idx",
    };
}
