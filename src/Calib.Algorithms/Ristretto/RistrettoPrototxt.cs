using System.Text.Json;
using System.Text.Json.Nodes;
using Calib.Graph.Caffe.Proto;
using Calib.Graph.TextFormat;

namespace Calib.Algorithms.Ristretto;

/// <summary>
/// Ristretto's output description: each quantized layer becomes its Ristretto type
/// (ConvolutionRistretto, DeconvolutionRistretto, FcRistretto) with a <c>quantization_param</c>;
/// every other layer and field stays as in the input NetParameter. For ONNX models the same
/// parameters are written as JSON, keyed by node name.
/// </summary>
public static class RistrettoPrototxt
{
    /// <summary>A copy of <paramref name="net"/> with the layers in <paramref name="formats"/> turned into Ristretto layers.</summary>
    public static NetParameter Apply(NetParameter net, IReadOnlyList<RistrettoLayer> layers, IReadOnlyList<KeyValuePair<string, RistrettoLayerFormat>> formats)
    {
        var quantized = net.Clone();
        var byName = layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var formatOf = formats.ToDictionary(StringComparer.Ordinal);
        foreach (var layer in quantized.Layer)
        {
            if (!formatOf.TryGetValue(layer.Name, out var format)) continue;
            layer.Type = byName[layer.Name].RistrettoType;
            layer.QuantizationParam = Parameter(format);
        }
        return quantized;
    }

    /// <summary>The prototxt text of <see cref="Apply"/>, by the project's text-format writer.</summary>
    public static string Write(NetParameter net, IReadOnlyList<RistrettoLayer> layers, IReadOnlyList<KeyValuePair<string, RistrettoLayerFormat>> formats) =>
        TextFormatWriter.Write(Apply(net, layers, formats));

    /// <summary>
    /// The JSON form for ONNX models: <c>{"trimming_mode": …, "layers": [{"name", "type", "quantization_param": {…}}]}</c>
    /// with the prototxt's field names.
    /// </summary>
    public static string WriteJson(string trimmingMode, IReadOnlyList<RistrettoLayer> layers, IReadOnlyList<KeyValuePair<string, RistrettoLayerFormat>> formats)
    {
        var byName = layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var array = new JsonArray();
        foreach (var (name, format) in formats)
        {
            var fields = JsonNode.Parse(Google.Protobuf.JsonFormatter.Default.Format(Parameter(format)))!.AsObject();
            var snake = new JsonObject();
            foreach (var (key, value) in fields) snake[JsonNamingPolicy.SnakeCaseLower.ConvertName(key)] = value?.DeepClone();
            array.Add(new JsonObject { ["name"] = name, ["type"] = byName[name].RistrettoType, ["quantization_param"] = snake });
        }
        var root = new JsonObject { ["trimming_mode"] = trimmingMode, ["layers"] = array };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>The <c>quantization_param</c> of one layer format; precision and rounding are always written.</summary>
    public static QuantizationParameter Parameter(RistrettoLayerFormat format)
    {
        var parameter = new QuantizationParameter
        {
            Precision = format.Precision switch
            {
                RistrettoPrecision.DynamicFixedPoint => QuantizationParameter.Types.Precision.DynamicFixedPoint,
                RistrettoPrecision.Minifloat => QuantizationParameter.Types.Precision.Minifloat,
                _ => QuantizationParameter.Types.Precision.IntegerPowerOf2Weights,
            },
            RoundingScheme = QuantizationParameter.Types.Rounding.Nearest,
        };
        if (format.LayerIn is { } input)
        {
            parameter.BwLayerIn = (uint)input.BitWidth;
            parameter.FlLayerIn = input.FractionalLength;
        }
        if (format.LayerOut is { } output)
        {
            parameter.BwLayerOut = (uint)output.BitWidth;
            parameter.FlLayerOut = output.FractionalLength;
        }
        if (format.Params is { } weights)
        {
            parameter.BwParams = (uint)weights.BitWidth;
            parameter.FlParams = weights.FractionalLength;
        }
        if (format.Minifloat is { } minifloat)
        {
            parameter.MantBits = (uint)minifloat.MantissaBits;
            parameter.ExpBits = (uint)minifloat.ExponentBits;
        }
        if (format.PowerOfTwoWeights is { } powers)
        {
            parameter.ExpMin = powers.MinExponent;
            parameter.ExpMax = powers.MaxExponent;
        }
        return parameter;
    }
}
