using System.Globalization;
using Calib.Algorithms.Evaluation;
using CsvHelper;

namespace Calib.Algorithms.Reporting;

/// <summary>The accuracy report's CSV: one row per quantized layer, in graph order; columns in docs/REPORT.md.</summary>
public static class AccuracyCsv
{
    /// <summary>The CSV text.</summary>
    public static string Write(EvaluationReport report) => Write(report.Layers);

    /// <summary>The CSV text of <paramref name="layers"/> (a label-free evaluation's too: its top-1 columns stay empty).</summary>
    public static string Write(IReadOnlyList<LayerReport> layers)
    {
        var rows = layers.Select(Row).ToList();
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text))
            csv.WriteRecords(rows);
        return text.ToString();
    }

    private static AccuracyRow Row(LayerReport layer) => new()
    {
        Layer = layer.Name,
        OpType = layer.OpType,
        Input = layer.Input,
        Output = layer.Output,
        SqnrDb = layer.Error?.SqnrDb,
        Cosine = layer.Error?.Cosine,
        MaxAbsError = layer.Error?.MaxAbsError,
        CumulativeSqnrDb = layer.CumulativeError?.SqnrDb,
        CumulativeCosine = layer.CumulativeError?.Cosine,
        CumulativeMaxAbsError = layer.CumulativeError?.MaxAbsError,
        OutputSqnrDb = layer.OutputSqnrDb,
        Top1OnlyThisLayer = layer.Top1,
        Top1Drop = layer.Top1Drop,
        ErrorRank = layer.ErrorRank,
        SensitivityRank = layer.SensitivityRank,
        ClipMin = layer.Clip?.Min,
        ClipMax = layer.Clip?.Max,
        ClipSource = layer.ClipSource?.ToString().ToLowerInvariant(),
    };
}

/// <summary>A row of the accuracy CSV; docs/REPORT.md describes each column.</summary>
[CsvRecord]
public sealed partial class AccuracyRow
{
    /// <summary>Layer (node) name.</summary>
    [CsvColumn("layer")] public string Layer { get; set; } = "";

    /// <summary>ONNX operator.</summary>
    [CsvColumn("op_type")] public string OpType { get; set; } = "";

    /// <summary>The float tensor the layer's input quantizer clips.</summary>
    [CsvColumn("input")] public string Input { get; set; } = "";

    /// <summary>The output tensor compared with the float model.</summary>
    [CsvColumn("output")] public string Output { get; set; } = "";

    /// <summary>SQNR (dB) of the output with only this layer quantized.</summary>
    [CsvColumn("sqnr_db")] public double? SqnrDb { get; set; }

    /// <summary>Cosine similarity of the output with only this layer quantized.</summary>
    [CsvColumn("cosine")] public double? Cosine { get; set; }

    /// <summary>Largest absolute output error with only this layer quantized.</summary>
    [CsvColumn("max_abs_error")] public double? MaxAbsError { get; set; }

    /// <summary>SQNR (dB) of the output in the quantized model (every layer quantized).</summary>
    [CsvColumn("cumulative_sqnr_db")] public double? CumulativeSqnrDb { get; set; }

    /// <summary>Cosine similarity of the output in the quantized model.</summary>
    [CsvColumn("cumulative_cosine")] public double? CumulativeCosine { get; set; }

    /// <summary>Largest absolute output error in the quantized model.</summary>
    [CsvColumn("cumulative_max_abs_error")] public double? CumulativeMaxAbsError { get; set; }

    /// <summary>SQNR (dB) of the model output with only this layer quantized.</summary>
    [CsvColumn("output_sqnr_db")] public double OutputSqnrDb { get; set; }

    /// <summary>Top-1 (percent) with only this layer quantized; empty unless --sensitivity accuracy.</summary>
    [CsvColumn("top1_only_this_layer")] public double? Top1OnlyThisLayer { get; set; }

    /// <summary>Float top-1 minus <see cref="Top1OnlyThisLayer"/>, in points.</summary>
    [CsvColumn("top1_drop")] public double? Top1Drop { get; set; }

    /// <summary>1 = the layer that adds the most error.</summary>
    [CsvColumn("error_rank")] public int ErrorRank { get; set; }

    /// <summary>1 = the most sensitive layer.</summary>
    [CsvColumn("sensitivity_rank")] public int SensitivityRank { get; set; }

    /// <summary>Lower bound of the input clip range.</summary>
    [CsvColumn("clip_min")] public double? ClipMin { get; set; }

    /// <summary>Upper bound of the input clip range.</summary>
    [CsvColumn("clip_max")] public double? ClipMax { get; set; }

    /// <summary>record or graph.</summary>
    [CsvColumn("clip_source")] public string? ClipSource { get; set; }
}
