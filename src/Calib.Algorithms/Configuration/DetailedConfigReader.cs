using System.Globalization;
using System.Text.Json;
using Calib.Algorithms.Quantization;
using Calib.Graph;

namespace Calib.Algorithms.Configuration;

/// <summary>
/// Reads AMCT's detailed JSON configuration (what <c>calib config init</c> writes): global keys and
/// one object per layer. Every key is checked — unknown names, wrong types and out-of-range values are
/// errors with file, line and column. Layers the file does not list get <c>defaults</c>.
/// </summary>
public static class DetailedConfigReader
{
    private static readonly HashSet<string> LayerKeys = ["quant_enable", "activation_quant_params", "weight_quant_params"];

    /// <summary>Reads JSON bytes; <paramref name="source"/> names them in errors.</summary>
    public static QuantConfig Read(byte[] json, string source, ModelLayers layers, LayerQuantSettings defaults)
    {
        var root = PositionedJson.Parse(json, source);
        if (root.Kind != JsonValueKind.Object) throw root.Error("the configuration must be a JSON object.");
        var config = new QuantConfig();
        var layerEntries = new List<(string Name, int Line, int Column, PositionedJson Value)>();
        foreach (var member in root.Members)
        {
            var (name, _, _, value) = member;
            switch (name)
            {
                case "version":
                    if (Integer(value, name) != 1) throw value.Error("version must be 1.");
                    break;
                case "batch_num": config.BatchNum = Positive(value, name); break;
                case "activation_offset": config.ActivationOffset = Boolean(value, name); break;
                case "do_fusion": config.DoFusion = Boolean(value, name); break;
                case "skip_fusion_layers":
                    config.SkipFusionLayers.AddRange(Strings(value, name).Select(l => KnownLayer(l, value, layers, mustBeQuantizable: false)));
                    break;
                default:
                    layerEntries.Add(member);
                    break;
            }
        }
        // activation_offset is the default of every layer's "asymmetric", wherever it stands in the file.
        var baseline = defaults with { Activation = defaults.Activation with { Options = defaults.Activation.Options with { Asymmetric = config.ActivationOffset } } };
        foreach (var name in layers.Quantizable) config.Layers[name] = baseline;
        foreach (var (name, line, column, value) in layerEntries)
            config.Layers[KnownLayer(name, root, layers, mustBeQuantizable: true, line, column)] = ReadLayer(value, name, baseline);
        return config;
    }

    private static LayerQuantSettings ReadLayer(PositionedJson json, string layer, LayerQuantSettings defaults)
    {
        if (json.Kind != JsonValueKind.Object) throw json.Error($"layer '{layer}' must be an object with quant_enable, activation_quant_params and weight_quant_params.");
        var settings = defaults;
        foreach (var (key, line, column, value) in json.Members)
        {
            settings = key switch
            {
                "quant_enable" => settings with { QuantEnable = Boolean(value, key) },
                "activation_quant_params" => settings with { Activation = ActivationParams.Read(value, layer, settings.Activation) },
                "weight_quant_params" => settings with { Weights = ReadWeights(value, settings.Weights) },
                _ => throw new CalibException($"{json.Source}:{line}:{column}: unknown key '{key}' in layer '{layer}'; a layer takes {string.Join(", ", LayerKeys)}."),
            };
        }
        return settings;
    }

    private static WeightQuantSettings ReadWeights(PositionedJson json, WeightQuantSettings settings)
    {
        if (json.Kind != JsonValueKind.Object) throw json.Error("weight_quant_params must be an object.");
        foreach (var (key, line, column, value) in json.Members)
        {
            switch (key)
            {
                case "wts_algo":
                    if (value.Text != "arq_quantize" || value.Kind != JsonValueKind.String)
                        throw value.Error($"wts_algo '{value.Text}' is not supported; use \"arq_quantize\".");
                    break;
                case "channel_wise": settings = settings with { ChannelWise = Boolean(value, key) }; break;
                default: throw new CalibException($"{json.Source}:{line}:{column}: unknown key '{key}' in weight_quant_params; it takes wts_algo and channel_wise.");
            }
        }
        return settings;
    }

    private static string KnownLayer(string name, PositionedJson at, ModelLayers layers, bool mustBeQuantizable, int line = 0, int column = 0)
    {
        var where = line > 0 ? $"{at.Source}:{line}:{column}" : at.Where;
        var verdict = layers.Find(name)
            ?? throw new CalibException($"{where}: '{name}' is not a layer of the model and not a configuration key. Run 'calib config init' to list the layers.");
        if (mustBeQuantizable && !verdict.IsQuantizable)
            throw new CalibException($"{where}: layer '{name}' cannot be quantized ({verdict.Reason}); remove it from the configuration.");
        return name;
    }

    internal static bool Boolean(PositionedJson value, string key) => value.Kind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw value.Error($"{key} must be true or false."),
    };

    internal static double Number(PositionedJson value, string key) =>
        value.Kind == JsonValueKind.Number && double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw value.Error($"{key} must be a number.");

    internal static long Integer(PositionedJson value, string key) =>
        value.Kind == JsonValueKind.Number && long.TryParse(value.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw value.Error($"{key} must be a whole number.");

    private static int Positive(PositionedJson value, string key) =>
        Integer(value, key) is var n && n >= 1 && n <= int.MaxValue ? (int)n : throw value.Error($"{key} must be at least 1.");

    internal static IEnumerable<string> Strings(PositionedJson value, string key) =>
        value.Kind == JsonValueKind.Array && value.Items.All(i => i.Kind == JsonValueKind.String)
            ? value.Items.Select(i => i.Text)
            : throw value.Error($"{key} must be a list of layer names.");
}
