using System.Text;
using System.Text.Json;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Quantization;

namespace Calib.Algorithms.Retrain;

/// <summary>
/// <c>&lt;model&gt;_retrain_config.json</c>: what a training framework needs to fine-tune with
/// quantization in the loop, per quantized layer (keyed by layer name): the node, its weight and bias
/// initializers (state_dict keys for a model exported from PyTorch), its input tensor, the initial clip
/// range with scale and zero point from calibration, bit widths and the weight channel layout; and the
/// same activation figures for every other tensor the deploy model quantizes.
/// </summary>
public static class RetrainConfigFile
{
    /// <summary>The format name written in the file.</summary>
    public const string Format = "calib-retrain-config";

    /// <summary>The JSON text.</summary>
    public static string Write(CalibratedModel calibrated, string modelFile, object preprocessing)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("version", 1);
            json.WriteString("model", modelFile);
            json.WritePropertyName("preprocessing");
            JsonSerializer.Serialize(json, preprocessing);
            json.WriteBoolean("activation_offset", calibrated.Config.ActivationOffset);
            json.WriteStartObject("layers");
            foreach (var layer in calibrated.Result.Layers) WriteLayer(json, layer);
            json.WriteEndObject();
            json.WriteStartObject("tensors");
            foreach (var tensor in calibrated.Result.DeployTensors.Values)
            {
                json.WriteStartObject(tensor.Tensor);
                WriteActivation(json, tensor);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteLayer(Utf8JsonWriter json, LayerQuantization layer)
    {
        json.WriteStartObject(layer.Layer.Name);
        json.WriteString("node", layer.Layer.Name);
        json.WriteString("op_type", layer.Layer.OpType);
        json.WriteString("input", layer.Layer.Input);
        if (layer.Layer.Weight is { } weight) json.WriteString("weight", weight);
        if (layer.Layer.Bias is { } bias) json.WriteString("bias", bias);
        json.WriteStartObject("activation");
        WriteActivation(json, layer.Input);
        json.WriteEndObject();
        if (layer.Weights is { } weights)
        {
            json.WriteStartObject("weight_quant");
            json.WriteNumber("num_bits", 8);
            json.WriteString("type", "int8");
            json.WriteBoolean("symmetric", true);
            json.WriteNumber("quant_min", -127);
            json.WriteNumber("quant_max", 127);
            json.WriteBoolean("channel_wise", weights.ChannelWise);
            json.WriteNumber("channel_axis", weights.ChannelAxis);
            json.WriteStartArray("scales");
            foreach (var scale in weights.Scales) json.WriteNumberValue(scale);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteActivation(Utf8JsonWriter json, ActivationQuantization activation)
    {
        var parameters = activation.Params;
        json.WriteNumber("num_bits", 8);
        json.WriteString("type", parameters.QMin < 0 ? "int8" : "uint8");
        json.WriteNumber("quant_min", parameters.QMin);
        json.WriteNumber("quant_max", parameters.QMax);
        json.WriteNumber("scale", parameters.Scale);
        json.WriteNumber("zero_point", parameters.ZeroPoint);
        json.WriteNumber("clip_min", activation.Clip.Min);
        json.WriteNumber("clip_max", activation.Clip.Max);
    }
}
