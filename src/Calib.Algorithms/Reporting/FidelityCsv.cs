using System.Globalization;
using Calib.Algorithms.Evaluation;
using CsvHelper;

namespace Calib.Algorithms.Reporting;

/// <summary>The fidelity CSV: one row per model output and quantized model; columns in docs/REPORT.md.</summary>
public static class FidelityCsv
{
    /// <summary>The CSV text.</summary>
    /// <param name="report">The fidelity measurement.</param>
    /// <param name="modelName">The stem of the model files, naming the fake-quant and deploy models.</param>
    public static string Write(FidelityReport report, string modelName)
    {
        var rows = report.Outputs.SelectMany(o => new[]
        {
            Row(report, o.Output, $"{modelName}_fake_quant.onnx", o.FakeQuant),
            o.Deploy is { } deploy ? Row(report, o.Output, $"{modelName}_deploy.onnx", deploy) : null,
        }).OfType<FidelityRow>().ToList();
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text))
            csv.WriteRecords(rows);
        return text.ToString();
    }

    private static FidelityRow Row(FidelityReport report, string output, string model, TensorError error) => new()
    {
        Output = output,
        Model = model,
        Cosine = error.Cosine,
        SqnrDb = double.IsPositiveInfinity(error.SqnrDb) ? null : error.SqnrDb,
        MaxAbsError = error.MaxAbsError,
        MaxRelativeError = error.MaxRelativeError,
        Samples = report.Samples,
        Source = FidelitySummary.SourceName(report.Source),
    };
}

/// <summary>A row of the fidelity CSV; docs/REPORT.md describes each column.</summary>
[CsvRecord]
public sealed partial class FidelityRow
{
    /// <summary>The model output (its name in the float model).</summary>
    [CsvColumn("output")] public string Output { get; set; } = "";

    /// <summary>The quantized model compared with float.</summary>
    [CsvColumn("model")] public string Model { get; set; } = "";

    /// <summary>Cosine similarity of the output to float's.</summary>
    [CsvColumn("cosine")] public double Cosine { get; set; }

    /// <summary>SQNR (dB) of the output; empty when it equals float's exactly.</summary>
    [CsvColumn("sqnr_db")] public double? SqnrDb { get; set; }

    /// <summary>Largest absolute output error.</summary>
    [CsvColumn("max_abs_error")] public double MaxAbsError { get; set; }

    /// <summary>Largest absolute error over the float output's peak magnitude.</summary>
    [CsvColumn("max_rel_error")] public double MaxRelativeError { get; set; }

    /// <summary>Number of inputs compared.</summary>
    [CsvColumn("samples")] public int Samples { get; set; }

    /// <summary>held_out, folder or calibration_samples.</summary>
    [CsvColumn("source")] public string Source { get; set; } = "";
}
