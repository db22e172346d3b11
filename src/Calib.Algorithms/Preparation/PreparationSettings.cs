using Calib.Algorithms.Configuration;
using Calib.Graph.Operators;

namespace Calib.Algorithms.Preparation;

/// <summary>What decides a model's preparation and configuration.</summary>
public sealed record PreparationSettings
{
    /// <summary>A configuration file (AMCT detailed JSON or simplified .cfg); null uses AMCT's defaults.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Settings from the command line, applied over the configuration file (--no-fusion among them).</summary>
    public SettingOverrides Overrides { get; init; } = new();

    /// <summary>
    /// Equalize the weight ranges of consecutive layers after BatchNorm folding (<c>--equalize</c>,
    /// <see cref="Graph.Passes.CrossLayerEqualization"/>): the prepared model computes the same outputs with rescaled weights.
    /// </summary>
    public bool Equalize { get; init; }

    /// <summary>The quantizable operator kinds.</summary>
    public OperatorRegistry Operators { get; init; } = OperatorRegistry.Default;
}
