using System.Text;
using System.Text.Json;
using Calib.Algorithms.Quantization;

namespace Calib.Algorithms.Configuration;

/// <summary>
/// The fully resolved quantization configuration, in AMCT's detailed JSON form
/// (<c>create_quant_config</c>): global settings and one entry per quantizable layer.
/// </summary>
public sealed class QuantConfig
{
    /// <summary>Config format version (1).</summary>
    public int Version { get; init; } = 1;

    /// <summary>Number of calibration batches (AMCT's batch_num).</summary>
    public int BatchNum { get; set; } = DefaultBatchNum;

    /// <summary>calib's default number of calibration batches.</summary>
    public const int DefaultBatchNum = 8;

    /// <summary>uint8 activations with an offset (true) or int8 symmetric (false).</summary>
    public bool ActivationOffset { get; set; } = true;

    /// <summary>Fold BatchNorm and drop pass-through nodes before calibration.</summary>
    public bool DoFusion { get; set; } = true;

    /// <summary>Layers whose BatchNorm is not folded.</summary>
    public List<string> SkipFusionLayers { get; } = [];

    /// <summary>Per-layer settings by layer name, in graph order.</summary>
    public OrderedDictionary<string, LayerQuantSettings> Layers { get; } = new(StringComparer.Ordinal);

    /// <summary>Every given layer with <paramref name="settings"/> (AMCT's defaults: IFMR, per-channel weights).</summary>
    public static QuantConfig Default(IEnumerable<string> layerNames, LayerQuantSettings settings)
    {
        var config = new QuantConfig { ActivationOffset = settings.Activation.Options.Asymmetric };
        foreach (var name in layerNames) config.Layers[name] = settings;
        return config;
    }

    /// <summary>A copy in which <paramref name="layers"/> have <c>quant_enable: false</c> (they stay in float).</summary>
    public QuantConfig WithLayersDisabled(IEnumerable<string> layers)
    {
        var copy = new QuantConfig { Version = Version, BatchNum = BatchNum, ActivationOffset = ActivationOffset, DoFusion = DoFusion };
        copy.SkipFusionLayers.AddRange(SkipFusionLayers);
        foreach (var (name, settings) in Layers) copy.Layers[name] = settings;
        foreach (var name in layers) copy.Layers[name] = copy.Layers[name] with { QuantEnable = false };
        return copy;
    }

    /// <summary>A copy in which every layer uses <paramref name="algorithm"/> with its default parameters (as --act-algo gives).</summary>
    public QuantConfig WithAlgorithm(ActivationAlgorithm algorithm)
    {
        var copy = WithLayersDisabled([]);
        foreach (var (name, settings) in Layers)
            copy.Layers[name] = settings with
            {
                Activation = new ActivationQuantSettings(algorithm, new ActivationAlgorithmOptions { Asymmetric = settings.Activation.Options.Asymmetric }),
            };
        return copy;
    }

    /// <summary>The AMCT-style JSON text (stable key order, so equal configs give equal bytes).</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("version", Version);
            json.WriteNumber("batch_num", BatchNum);
            json.WriteBoolean("activation_offset", ActivationOffset);
            json.WriteBoolean("do_fusion", DoFusion);
            json.WriteStartArray("skip_fusion_layers");
            foreach (var layer in SkipFusionLayers) json.WriteStringValue(layer);
            json.WriteEndArray();
            foreach (var (name, layer) in Layers) WriteLayer(json, name, layer);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteLayer(Utf8JsonWriter json, string name, LayerQuantSettings layer)
    {
        json.WriteStartObject(name);
        json.WriteBoolean("quant_enable", layer.QuantEnable);
        json.WriteStartObject("activation_quant_params");
        WriteActivationParams(json, layer.Activation.Algorithm, layer.Activation.Options);
        json.WriteEndObject();
        json.WriteStartObject("weight_quant_params");
        json.WriteString("wts_algo", "arq_quantize");
        json.WriteBoolean("channel_wise", layer.Weights.ChannelWise);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Writes act_algo and the parameters that algorithm uses, with AMCT's key names.</summary>
    internal static void WriteActivationParams(Utf8JsonWriter json, ActivationAlgorithm algorithm, ActivationAlgorithmOptions options)
    {
        json.WriteString("act_algo", AlgorithmName(algorithm));
        switch (algorithm)
        {
            case ActivationAlgorithm.Ifmr:
                json.WriteNumber("max_percentile", options.MaxPercentile);
                json.WriteNumber("min_percentile", options.MinPercentile);
                json.WriteStartArray("search_range");
                json.WriteNumberValue(options.SearchRangeStart);
                json.WriteNumberValue(options.SearchRangeEnd);
                json.WriteEndArray();
                json.WriteNumber("search_step", options.SearchStep);
                break;
            case ActivationAlgorithm.Hfmg:
                json.WriteNumber("num_of_bins", options.NumOfBins);
                break;
            case ActivationAlgorithm.Percentile:
                json.WriteNumber("percentile", options.Percentile);
                break;
        }
        json.WriteBoolean("asymmetric", options.Asymmetric);
    }

    /// <summary>The config-file name of an algorithm ("ifmr", "hfmg", …).</summary>
    public static string AlgorithmName(ActivationAlgorithm algorithm) => algorithm.ToString().ToLowerInvariant();

    /// <summary>Parses an algorithm name as written in configs and on the command line.</summary>
    public static ActivationAlgorithm? ParseAlgorithm(string name) => Searchable.Cast<ActivationAlgorithm?>()
        .FirstOrDefault(a => AlgorithmName(a!.Value) == name.ToLowerInvariant());

    /// <summary>The algorithms a configuration can ask for (all but <see cref="ActivationAlgorithm.Learned"/>).</summary>
    public static IEnumerable<ActivationAlgorithm> Searchable =>
        Enum.GetValues<ActivationAlgorithm>().Where(a => a != ActivationAlgorithm.Learned);
}
