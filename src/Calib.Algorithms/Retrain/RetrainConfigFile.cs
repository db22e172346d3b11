using System.Text;
using System.Text.Json;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Export;

namespace Calib.Algorithms.Retrain;

/// <summary>
/// <c>&lt;model&gt;_retrain_config.json</c>: what a training framework needs to fine-tune with
/// quantization in the loop, per quantized layer (keyed by layer name): the node, its weight and bias
/// initializers (state_dict keys for a model exported from PyTorch), its input tensor, the initial clip
/// range with scale and zero point from calibration, bit widths and the weight channel layout — the same
/// fields as the JSON record — and those activation figures for every other tensor the deploy model quantizes, each with the node that
/// produces it (see <see cref="TensorProducer"/>).
/// </summary>
public static class RetrainConfigFile
{
    /// <summary>The format name written in the file.</summary>
    public const string Format = "calib-retrain-config";

    /// <summary>The JSON text.</summary>
    /// <param name="plan">The calibration plan (its prepared model names each tensor's producer).</param>
    /// <param name="result">The calibration's layers and deploy tensors.</param>
    /// <param name="config">The resolved configuration.</param>
    /// <param name="modelFile">The float model's file name.</param>
    /// <param name="preprocessing">The preprocessing the calibration images got.</param>
    public static string Write(CalibrationPlan plan, QuantizationResult result, QuantConfig config, string modelFile, object preprocessing)
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
            json.WriteBoolean("activation_offset", config.ActivationOffset);
            json.WriteStartObject("layers");
            foreach (var layer in result.Layers) WriteLayer(json, layer);
            json.WriteEndObject();
            // Names change in fine-tuning; the import finds a range again by the node that produces its tensor.
            RecordFiles.WriteDeployTensors(json, "tensors", result, (writer, tensor) => TensorProducer.Of(plan.Model.Graph, tensor.Tensor)?.Write(writer));
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
        RecordFiles.WriteActivation(json, layer.Input);
        json.WriteEndObject();
        if (layer.Weights is { } weights)
        {
            json.WriteStartObject("weight_quant");
            RecordFiles.WriteWeights(json, layer.Layer.Weight!, weights);
            json.WriteEndObject();
        }
        RecordFiles.WriteSecondInput(json, layer);
        json.WriteEndObject();
    }
}
