using System.Text;
using System.Text.Json;
using Calib.Algorithms.Evaluation;

namespace Calib.Algorithms.Reporting;

/// <summary>
/// The JSON of a label-free evaluation (<c>calib eval --images</c>): the quantized model's outputs
/// against float, and the layers ranked by the error they add. Deterministic (no timings).
/// </summary>
public static class DiagnosisSummary
{
    /// <summary>The JSON text.</summary>
    /// <param name="report">The evaluation.</param>
    /// <param name="quantizedName">The quantized model file, as given.</param>
    public static string Write(DiagnosisReport report, string quantizedName)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            FidelitySummary.WriteOutputs(json, report.Output, "quantized", quantizedName, "");
            json.WriteString("sensitivity", "sqnr");
            json.WriteStartArray("layers_by_error");
            foreach (var layer in report.ByError) json.WriteStringValue(layer.Name);
            json.WriteEndArray();
            json.WriteStartArray("layers_by_sensitivity");
            foreach (var layer in report.Layers.OrderBy(l => l.SensitivityRank)) json.WriteStringValue(layer.Name);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
