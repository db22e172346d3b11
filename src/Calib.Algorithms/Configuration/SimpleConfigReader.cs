using Calib.Algorithms.Configuration.Proto;
using Calib.Algorithms.Quantization;
using Calib.Graph;
using Calib.Graph.TextFormat;

namespace Calib.Algorithms.Configuration;

/// <summary>
/// Reads AMCT's simplified configuration (<c>.cfg</c>, message AMCTConfig in protobuf text format)
/// and expands it per layer with AMCT's precedence: override_layer_configs (the layer) over
/// override_layer_types (its type) over common_config; skip_layers and skip_layer_types disable layers.
/// </summary>
public static class SimpleConfigReader
{
    /// <summary>Parses and expands <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    public static QuantConfig Read(string text, string source, ModelLayers layers, LayerQuantSettings defaults)
    {
        var cfg = TextFormatReader.Parse<AMCTConfig>(text, source);
        var offset = cfg.HasActivationOffset ? cfg.ActivationOffset : defaults.Activation.Options.Asymmetric;
        var baseline = defaults with { Activation = defaults.Activation with { Options = defaults.Activation.Options with { Asymmetric = offset } } };
        Check(cfg, source, layers);

        var config = QuantConfig.Default([], baseline);
        if (cfg.HasBatchNum) config.BatchNum = cfg.BatchNum >= 1 ? (int)cfg.BatchNum : throw new CalibException($"{source}: batch_num must be at least 1.");
        config.ActivationOffset = offset;
        if (cfg.HasDoFusion) config.DoFusion = cfg.DoFusion;
        config.SkipFusionLayers.AddRange(cfg.SkipFusionLayers);
        foreach (var layer in layers.Quantizable)
            config.Layers[layer] = Expand(cfg, layer, layers.TypesOf(layer), baseline, source);
        return config;
    }

    private static LayerQuantSettings Expand(AMCTConfig cfg, string layer, IReadOnlySet<string> types, LayerQuantSettings settings, string source)
    {
        if (cfg.CommonConfig is { } common) settings = Apply(settings, common, source, "common_config");
        foreach (var (entry, index) in cfg.OverrideLayerTypes.Select((e, i) => (e, i)).Where(p => types.Contains(p.e.LayerType)))
            settings = Apply(settings, entry.CalibrationConfig, source, $"override_layer_types[{index}] (type '{entry.LayerType}')");
        foreach (var (entry, index) in cfg.OverrideLayerConfigs.Select((e, i) => (e, i)).Where(p => p.e.LayerName == layer))
            settings = Apply(settings, entry.CalibrationConfig, source, $"override_layer_configs[{index}] (layer '{layer}')");
        var skipped = cfg.SkipLayers.Contains(layer) || cfg.SkipLayerTypes.Any(types.Contains);
        return settings with { QuantEnable = !skipped };
    }

    private static LayerQuantSettings Apply(LayerQuantSettings settings, CalibrationConfig? calibration, string source, string where)
    {
        if (calibration is null) return settings;
        if (calibration.ArqQuantize is { HasChannelWise: true } arq) settings = settings with { Weights = settings.Weights with { ChannelWise = arq.ChannelWise } };
        var options = settings.Activation.Options;
        var (algorithm, updated) = calibration.ActivationQuantizeMethodCase switch
        {
            CalibrationConfig.ActivationQuantizeMethodOneofCase.IfmrQuantize => (ActivationAlgorithm.Ifmr, Ifmr(options, calibration.IfmrQuantize)),
            CalibrationConfig.ActivationQuantizeMethodOneofCase.HfmgQuantize => (ActivationAlgorithm.Hfmg, options with
            {
                NumOfBins = calibration.HfmgQuantize.HasNumOfBins ? (int)calibration.HfmgQuantize.NumOfBins : options.NumOfBins,
                Asymmetric = calibration.HfmgQuantize.HasAsymmetric ? calibration.HfmgQuantize.Asymmetric : options.Asymmetric,
            }),
            CalibrationConfig.ActivationQuantizeMethodOneofCase.PercentileQuantize => (ActivationAlgorithm.Percentile, options with
            {
                Percentile = calibration.PercentileQuantize.HasPercentile ? calibration.PercentileQuantize.Percentile : options.Percentile,
                Asymmetric = calibration.PercentileQuantize.HasAsymmetric ? calibration.PercentileQuantize.Asymmetric : options.Asymmetric,
            }),
            CalibrationConfig.ActivationQuantizeMethodOneofCase.MinmaxQuantize => (ActivationAlgorithm.MinMax, Asymmetric(options, calibration.MinmaxQuantize)),
            CalibrationConfig.ActivationQuantizeMethodOneofCase.EntropyQuantize => (ActivationAlgorithm.Entropy, Asymmetric(options, calibration.EntropyQuantize)),
            CalibrationConfig.ActivationQuantizeMethodOneofCase.MseQuantize => (ActivationAlgorithm.Mse, Asymmetric(options, calibration.MseQuantize)),
            _ => (settings.Activation.Algorithm, options),
        };
        ActivationParamRules.Check(updated, $"{source}: {where}");
        return settings with { Activation = new ActivationQuantSettings(algorithm, updated) };
    }

    private static ActivationAlgorithmOptions Ifmr(ActivationAlgorithmOptions options, IFMRQuantize ifmr) => options with
    {
        SearchRangeStart = ifmr.HasSearchRangeStart ? ifmr.SearchRangeStart : options.SearchRangeStart,
        SearchRangeEnd = ifmr.HasSearchRangeEnd ? ifmr.SearchRangeEnd : options.SearchRangeEnd,
        SearchStep = ifmr.HasSearchStep ? ifmr.SearchStep : options.SearchStep,
        MaxPercentile = ifmr.HasMaxPercentile ? ifmr.MaxPercentile : options.MaxPercentile,
        MinPercentile = ifmr.HasMinPercentile ? ifmr.MinPercentile : options.MinPercentile,
        Asymmetric = ifmr.HasAsymmetric ? ifmr.Asymmetric : options.Asymmetric,
    };

    private static ActivationAlgorithmOptions Asymmetric(ActivationAlgorithmOptions options, AsymmetricOnly method) =>
        method.HasAsymmetric ? options with { Asymmetric = method.Asymmetric } : options;

    // Every name the file uses must exist: a misspelt layer would otherwise be silently ignored.
    private static void Check(AMCTConfig cfg, string source, ModelLayers layers)
    {
        foreach (var name in cfg.SkipLayers) QuantizableLayer(name, "skip_layers", source, layers);
        foreach (var name in cfg.SkipFusionLayers)
            if (layers.Find(name) is null) throw new CalibException($"{source}: skip_fusion_layers: '{name}' is not a layer of the model.");
        foreach (var entry in cfg.OverrideLayerConfigs) QuantizableLayer(entry.LayerName, "override_layer_configs.layer_name", source, layers);
        var types = layers.KnownTypes;
        foreach (var type in cfg.SkipLayerTypes.Concat(cfg.OverrideLayerTypes.Select(o => o.LayerType)).Where(t => !types.Contains(t)))
            throw new CalibException($"{source}: layer type '{type}' matches no quantizable layer of the model (its types: {string.Join(", ", types.Order())}).");
    }

    private static void QuantizableLayer(string name, string key, string source, ModelLayers layers)
    {
        var verdict = layers.Find(name) ?? throw new CalibException($"{source}: {key}: '{name}' is not a layer of the model. Run 'calib inspect' to list the layers.");
        if (!verdict.IsQuantizable) throw new CalibException($"{source}: {key}: layer '{name}' cannot be quantized ({verdict.Reason}).");
    }
}
