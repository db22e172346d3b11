using System.Globalization;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Placement;
using Calib.Graph.Operators;
using CsvHelper;

namespace Calib.Algorithms.Export;

/// <summary>
/// <c>&lt;model&gt;_calibration.csv</c>: one row per layer of a quantizable kind — quantized, or
/// skipped with the reason (an AMCT restriction, or the config) — with ranges, scales and zero points.
/// </summary>
public static class CalibrationCsv
{
    /// <summary>The CSV text.</summary>
    /// <param name="plan">What is quantized.</param>
    /// <param name="result">The quantization.</param>
    /// <param name="placement">A speed placement's decisions (placement, int8_ms, float_ms); null leaves those columns empty.</param>
    public static string Write(CalibrationPlan plan, QuantizationResult result, PlacementResult? placement = null)
    {
        var quantized = result.Layers.ToDictionary(l => l.Layer.Name);
        var keptForSpeed = placement?.FloatLayers.ToHashSet(StringComparer.Ordinal) ?? [];
        var rows = plan.Verdicts
            .Where(v => v.Operator is not null || OperatorRegistry.Default.IsLayerType(v.Node.OpType))
            .Select(v => quantized.TryGetValue(v.Node.Name, out var layer)
                ? Quantized(layer)
                : Skipped(v.Node.Name, v.Node.OpType, keptForSpeed.Contains(v.Node.Name) ? placement!.For(v.Node.Name)!.FloatReason
                    : plan.SkippedByConfig.Contains(v.Node.Name) ? "skipped by config" : v.Reason!))
            .ToList();
        if (placement is not null)
            foreach (var row in rows) Place(row, placement, quantized.ContainsKey(row.Layer));
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text))
            csv.WriteRecords(rows);
        return text.ToString();
    }

    private static void Place(CalibrationRow row, PlacementResult placement, bool quantized)
    {
        var timing = placement.For(row.Layer);
        if (!quantized && timing is not { KeepFloat: true }) return;
        row.Placement = quantized ? "int8" : "float";
        row.Int8Ms = timing?.Int8Ms is { } int8 ? Math.Round(int8, 4) : null;
        row.FloatMs = timing?.FloatMs is { } @float ? Math.Round(@float, 4) : null;
    }

    private static CalibrationRow Skipped(string name, string op, string reason) =>
        new() { Layer = name, OpType = op, Status = "skipped", Reason = reason };

    private static CalibrationRow Quantized(LayerQuantization layer)
    {
        var input = layer.Input;
        var row = new CalibrationRow
        {
            Layer = layer.Layer.Name,
            OpType = layer.Layer.OpType,
            Status = "quantized",
            Reason = "",
            Input = input.Tensor,
            ActAlgo = QuantConfig.AlgorithmName(input.Algorithm),
            ActType = input.Params.QMin < 0 ? "int8" : "uint8",
            ObservedMin = input.ObservedMin,
            ObservedMax = input.ObservedMax,
            ClipMin = input.Clip.Min,
            ClipMax = input.Clip.Max,
            ScaleD = input.Params.Scale,
            ZeroPoint = input.Params.ZeroPoint,
            OffsetD = -input.Params.ZeroPoint,
        };
        if (layer.Weights is { } weights)
        {
            row.WeightChannels = weights.Scales.Length;
            row.WeightChannelWise = weights.ChannelWise;
            row.ScaleWMin = weights.Scales.Min();
            row.ScaleWMax = weights.Scales.Max();
        }
        if (layer.SecondInput is { } second)
        {
            row.SecondInput = second.Tensor;
            row.SecondClipMin = second.Clip.Min;
            row.SecondClipMax = second.Clip.Max;
            row.SecondScaleD = second.Params.Scale;
            row.SecondZeroPoint = second.Params.ZeroPoint;
        }
        return row;
    }
}

/// <summary>A row of the calibration CSV; columns are documented in docs/OUTPUTS.md.</summary>
[CsvRecord]
public sealed partial class CalibrationRow
{
    /// <summary>Layer (node) name.</summary>
    [CsvColumn("layer")] public string Layer { get; set; } = "";

    /// <summary>ONNX operator.</summary>
    [CsvColumn("op_type")] public string OpType { get; set; } = "";

    /// <summary>"quantized" or "skipped".</summary>
    [CsvColumn("status")] public string Status { get; set; } = "";

    /// <summary>Why a layer is skipped; empty when quantized.</summary>
    [CsvColumn("reason")] public string Reason { get; set; } = "";

    /// <summary>The quantized input tensor.</summary>
    [CsvColumn("input")] public string? Input { get; set; }

    /// <summary>Activation algorithm.</summary>
    [CsvColumn("act_algo")] public string? ActAlgo { get; set; }

    /// <summary>uint8 or int8.</summary>
    [CsvColumn("act_type")] public string? ActType { get; set; }

    /// <summary>Smallest input value seen.</summary>
    [CsvColumn("observed_min")] public double? ObservedMin { get; set; }

    /// <summary>Largest input value seen.</summary>
    [CsvColumn("observed_max")] public double? ObservedMax { get; set; }

    /// <summary>Lower clip bound chosen.</summary>
    [CsvColumn("clip_min")] public double? ClipMin { get; set; }

    /// <summary>Upper clip bound chosen.</summary>
    [CsvColumn("clip_max")] public double? ClipMax { get; set; }

    /// <summary>Activation scale (float32).</summary>
    [CsvColumn("scale_d")] public float? ScaleD { get; set; }

    /// <summary>Activation zero point (ONNX).</summary>
    [CsvColumn("zero_point")] public int? ZeroPoint { get; set; }

    /// <summary>AMCT's offset (−zero point).</summary>
    [CsvColumn("offset_d")] public int? OffsetD { get; set; }

    /// <summary>Number of weight scales (output channels, or 1 per tensor).</summary>
    [CsvColumn("weight_channels")] public int? WeightChannels { get; set; }

    /// <summary>Per-channel weight scales.</summary>
    [CsvColumn("weight_channel_wise")] public bool? WeightChannelWise { get; set; }

    /// <summary>Smallest weight scale.</summary>
    [CsvColumn("scale_w_min")] public float? ScaleWMin { get; set; }

    /// <summary>Largest weight scale.</summary>
    [CsvColumn("scale_w_max")] public float? ScaleWMax { get; set; }

    /// <summary>With --optimize-for speed: "int8" or "float" as placed; empty otherwise.</summary>
    [CsvColumn("placement")] public string? Placement { get; set; }

    /// <summary>With --optimize-for speed: ms per batch of the deploy model with this layer's group in int8 (empty for layers in no group).</summary>
    [CsvColumn("int8_ms")] public double? Int8Ms { get; set; }

    /// <summary>The same with the group kept float.</summary>
    [CsvColumn("float_ms")] public double? FloatMs { get; set; }

    /// <summary>A MatMul of two activations: its second input (input 1), quantized in place of a weight.</summary>
    [CsvColumn("second_input")] public string? SecondInput { get; set; }

    /// <summary>Lower clip bound of the second input.</summary>
    [CsvColumn("second_clip_min")] public double? SecondClipMin { get; set; }

    /// <summary>Upper clip bound of the second input.</summary>
    [CsvColumn("second_clip_max")] public double? SecondClipMax { get; set; }

    /// <summary>Scale of the second input (float32).</summary>
    [CsvColumn("second_scale_d")] public float? SecondScaleD { get; set; }

    /// <summary>ONNX zero point of the second input.</summary>
    [CsvColumn("second_zero_point")] public int? SecondZeroPoint { get; set; }
}
