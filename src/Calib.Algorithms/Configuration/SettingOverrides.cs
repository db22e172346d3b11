using Calib.Algorithms.Quantization;

namespace Calib.Algorithms.Configuration;

/// <summary>
/// Settings given on the command line. They win over the configuration file, and apply to every
/// layer; null means "not given".
/// </summary>
public sealed record SettingOverrides
{
    /// <summary>--batch-num.</summary>
    public int? BatchNum { get; init; }

    /// <summary>--act-algo: every layer's activation algorithm (with that algorithm's default parameters).</summary>
    public ActivationAlgorithm? Algorithm { get; init; }

    /// <summary>--symmetric gives false: int8 symmetric activations everywhere.</summary>
    public bool? ActivationOffset { get; init; }

    /// <summary>--per-tensor-weights gives false.</summary>
    public bool? ChannelWise { get; init; }

    /// <summary>--no-fusion gives false.</summary>
    public bool? DoFusion { get; init; }
}

/// <summary>Builds the configuration a run uses: AMCT's defaults, then the file, then the command line.</summary>
public static class ConfigResolution
{
    /// <summary>The resolved configuration for a model with <paramref name="layers"/>.</summary>
    public static QuantConfig Resolve(ModelLayers layers, string? configPath, SettingOverrides overrides)
    {
        var config = configPath is null
            ? QuantConfig.Default(layers.Quantizable, LayerQuantSettings.Default)
            : ConfigFiles.Load(configPath, layers, LayerQuantSettings.Default);
        if (overrides.BatchNum is { } batchNum) config.BatchNum = batchNum;
        if (overrides.DoFusion is { } doFusion) config.DoFusion = doFusion;
        if (overrides.ActivationOffset is { } offset) config.ActivationOffset = offset;
        foreach (var name in config.Layers.Keys.ToList())
        {
            config.Layers[name] = Override(config.Layers[name], overrides);
            ActivationParamRules.Check(config.Layers[name].Activation.Options, $"{configPath ?? "the command line"}: layer '{name}'");
        }
        return config;
    }

    /// <summary>Settings for deploy-model tensors that are no layer's input: the command line's algorithm, else IFMR.</summary>
    public static ActivationQuantSettings DeployDefaults(QuantConfig config, SettingOverrides overrides) =>
        new(overrides.Algorithm ?? ActivationAlgorithm.Ifmr, new ActivationAlgorithmOptions { Asymmetric = config.ActivationOffset });

    private static LayerQuantSettings Override(LayerQuantSettings settings, SettingOverrides overrides)
    {
        var activation = settings.Activation;
        if (overrides.Algorithm is { } algorithm && algorithm != activation.Algorithm)
            activation = new ActivationQuantSettings(algorithm, new ActivationAlgorithmOptions { Asymmetric = activation.Options.Asymmetric });
        if (overrides.ActivationOffset is { } offset)
            activation = activation with { Options = activation.Options with { Asymmetric = offset } };
        var weights = overrides.ChannelWise is { } channelWise ? settings.Weights with { ChannelWise = channelWise } : settings.Weights;
        return settings with { Activation = activation, Weights = weights };
    }
}
