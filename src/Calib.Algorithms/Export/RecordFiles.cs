using System.Text;
using System.Text.Json;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Quantization;
using Calib.Algorithms.Records.Proto;
using Calib.Graph.TextFormat;

namespace Calib.Algorithms.Export;

/// <summary>
/// AMCT's scale/offset record (<c>&lt;model&gt;_record.txt</c>, protobuf text format) and its JSON
/// twin with everything behind each number: bit widths, algorithm and parameters, observed and
/// clipped ranges. Scales are the float32 values written into the ONNX graphs.
/// </summary>
public static class RecordFiles
{
    /// <summary>
    /// The AMCT record: per quantized layer scale_d, offset_d (= −zero point), scale_w, offset_w; a MatMul of two
    /// activations records its second input's scale and offset as its one scale_w and offset_w.
    /// </summary>
    public static string RecordText(QuantizationResult result)
    {
        var record = new ScaleOffsetRecord();
        foreach (var layer in result.Layers)
        {
            var value = new SingleLayerRecord { ScaleD = layer.Input.Params.Scale, OffsetD = -layer.Input.Params.ZeroPoint };
            if (layer.Weights is { } weights)
            {
                value.ScaleW.AddRange(weights.Scales);
                value.OffsetW.AddRange(new int[weights.Scales.Length]);
            }
            // AMCT's record has no field for a second activation: it takes the weight's place, one scale and its offset.
            if (layer.SecondInput is { } second)
            {
                value.ScaleW.Add(second.Params.Scale);
                value.OffsetW.Add(-second.Params.ZeroPoint);
            }
            record.Record.Add(new ScaleOffsetRecord.Types.MapFiledEntry { Key = layer.Layer.Name, Value = value });
        }
        return TextFormatWriter.Write(record);
    }

    /// <summary>The JSON record: the same numbers with their provenance.</summary>
    /// <param name="result">The calibration result.</param>
    /// <param name="context">Run-level facts to record (model, calibration set, preprocessing, …), written first.</param>
    public static string RecordJson(QuantizationResult result, IReadOnlyDictionary<string, object?> context)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            foreach (var (key, value) in context)
            {
                json.WritePropertyName(key);
                JsonSerializer.Serialize(json, value);
            }
            json.WriteStartObject("layers");
            foreach (var layer in result.Layers) WriteLayer(json, layer);
            json.WriteEndObject();
            WriteDeployTensors(json, "deploy_tensors", result);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteLayer(Utf8JsonWriter json, LayerQuantization layer)
    {
        json.WriteStartObject(layer.Layer.Name);
        json.WriteString("op_type", layer.Layer.OpType);
        json.WriteString("input", layer.Layer.Input);
        json.WriteStartObject("activation");
        WriteActivation(json, layer.Input);
        json.WriteEndObject();
        if (layer.Weights is { } weights)
        {
            json.WriteStartObject("weight");
            WriteWeights(json, layer.Layer.Weight!, weights);
            json.WriteEndObject();
        }
        WriteSecondInput(json, layer);
        json.WriteEndObject();
    }

    /// <summary>A MatMul of two activations: "second_input" (the tensor) and "second_activation" (its quantization).</summary>
    internal static void WriteSecondInput(Utf8JsonWriter json, LayerQuantization layer)
    {
        if (layer.SecondInput is not { } second) return;
        json.WriteString("second_input", second.Tensor);
        json.WriteStartObject("second_activation");
        WriteActivation(json, second);
        json.WriteEndObject();
    }

    /// <summary>
    /// Writes <paramref name="property"/>: an object with, for every tensor the deploy model quantizes,
    /// its activation fields (see <see cref="WriteActivation"/>) and what <paramref name="more"/> adds.
    /// </summary>
    public static void WriteDeployTensors(Utf8JsonWriter json, string property, QuantizationResult result,
        Action<Utf8JsonWriter, ActivationQuantization>? more = null)
    {
        json.WriteStartObject(property);
        foreach (var tensor in result.DeployTensors.Values)
        {
            json.WriteStartObject(tensor.Tensor);
            WriteActivation(json, tensor);
            more?.Invoke(json, tensor);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    /// <summary>The fields of one weight's quantization (also used by the retrain config).</summary>
    internal static void WriteWeights(Utf8JsonWriter json, string tensor, QuantizedWeights weights)
    {
        json.WriteString("tensor", tensor);
        json.WriteString("wts_algo", "arq_quantize");
        json.WriteNumber("num_bits", 8);
        json.WriteString("type", "int8");
        json.WriteBoolean("symmetric", true);
        json.WriteBoolean("channel_wise", weights.ChannelWise);
        json.WriteNumber("channel_axis", weights.ChannelAxis);
        json.WriteStartArray("scale_w");
        foreach (var scale in weights.Scales) json.WriteNumberValue(scale);
        json.WriteEndArray();
    }

    /// <summary>The fields of one activation's quantization (also used by the retrain config).</summary>
    internal static void WriteActivation(Utf8JsonWriter json, ActivationQuantization activation)
    {
        var parameters = activation.Params;
        json.WriteNumber("num_bits", 8);
        json.WriteString("type", parameters.QMin < 0 ? "int8" : "uint8");
        json.WriteNumber("quant_min", parameters.QMin);
        json.WriteNumber("quant_max", parameters.QMax);
        json.WriteNumber("scale_d", parameters.Scale);
        json.WriteNumber("zero_point", parameters.ZeroPoint);
        json.WriteNumber("offset_d", -parameters.ZeroPoint);
        json.WriteNumber("observed_min", activation.ObservedMin);
        json.WriteNumber("observed_max", activation.ObservedMax);
        json.WriteNumber("clip_min", activation.Clip.Min);
        json.WriteNumber("clip_max", activation.Clip.Max);
        json.WriteStartObject("params");
        QuantConfig.WriteActivationParams(json, activation.Algorithm, activation.Options);
        json.WriteEndObject();
    }
}
