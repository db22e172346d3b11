using System.Text;
using System.Text.Json;
using Calib.Algorithms.Evaluation;
using Calib.Graph.IO;

namespace Calib.Algorithms.Reporting;

/// <summary>
/// The fidelity report's JSON: where the samples came from, per model output the fake-quant and
/// deploy errors against float, and the --min-cosine / --min-sqnr search. Deterministic (no timings).
/// </summary>
public static class FidelitySummary
{
    /// <summary>Adds <c>&lt;model&gt;_fidelity.csv</c> and <c>&lt;model&gt;_fidelity.json</c>.</summary>
    public static void AddFiles(OutputFileSet files, string modelName, FidelityReport report, FidelityBudgetResult? budget)
    {
        files.AddText($"{modelName}_fidelity.csv", FidelityCsv.Write(report, modelName));
        files.AddText($"{modelName}_fidelity.json", Write(report, modelName, budget));
    }

    /// <summary>The JSON text.</summary>
    public static string Write(FidelityReport report, string modelName, FidelityBudgetResult? budget = null)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            WriteOutputs(json, report, "fake_quant", $"{modelName}_fake_quant.onnx", $"{modelName}_deploy.onnx");
            if (budget is not null) WriteBudget(json, budget);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>Writes the sample source and count and, per output, the errors of the quantized models.</summary>
    internal static void WriteOutputs(Utf8JsonWriter json, FidelityReport report, string quantizedKey, string quantizedName, string deployName)
    {
        json.WriteString("source", SourceName(report.Source));
        json.WriteString("location", report.Location);
        json.WriteNumber("samples", report.Samples);
        json.WriteStartArray("outputs");
        foreach (var output in report.Outputs)
        {
            json.WriteStartObject();
            json.WriteString("output", output.Output);
            WriteError(json, quantizedKey, quantizedName, output.FakeQuant);
            if (output.Deploy is { } deploy) WriteError(json, "deploy", deployName, deploy);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>The source as written in the CSV and JSON.</summary>
    public static string SourceName(FidelitySource source) => source switch
    {
        FidelitySource.HeldOut => "held_out",
        FidelitySource.Folder => "folder",
        _ => "calibration_samples",
    };

    private static void WriteError(Utf8JsonWriter json, string key, string model, TensorError error)
    {
        json.WriteStartObject(key);
        json.WriteString("model", model);
        json.WriteNumber("cosine", error.Cosine);
        Number(json, "sqnr_db", error.SqnrDb);
        json.WriteNumber("max_abs_error", error.MaxAbsError);
        Number(json, "max_rel_error", error.MaxRelativeError);
        json.WriteEndObject();
    }

    private static void WriteBudget(Utf8JsonWriter json, FidelityBudgetResult budget)
    {
        json.WriteStartObject("fidelity_target");
        if (budget.Settings.MinCosine is { } cosine) json.WriteNumber("min_cosine", cosine);
        if (budget.Settings.MinSqnrDb is { } sqnr) json.WriteNumber("min_sqnr_db", sqnr);
        json.WriteNumber("fully_quantized_cosine", budget.Cosine);
        Number(json, "fully_quantized_sqnr_db", budget.SqnrDb);
        json.WriteStartArray("kept_float");
        foreach (var step in budget.Steps)
        {
            json.WriteStartObject();
            json.WriteString("layer", step.Layer);
            Number(json, "own_output_sqnr_db", step.OwnSqnrDb);
            json.WriteNumber("cosine_after", step.Cosine);
            Number(json, "sqnr_db_after", step.SqnrDb);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    // JSON has no infinity: an output equal to float's has no finite SQNR.
    private static void Number(Utf8JsonWriter json, string key, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(key, value);
        else json.WriteNull(key);
    }
}
