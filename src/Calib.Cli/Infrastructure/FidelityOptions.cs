using System.CommandLine;
using Calib.Algorithms.Evaluation;
using Calib.Graph;

namespace Calib.Cli.Infrastructure;

/// <summary>The flags of <c>calib run</c>'s label-free fidelity check and its --min-cosine / --min-sqnr target.</summary>
internal sealed class FidelityOptions
{
    public Option<bool> NoFidelity { get; } = new("--no-fidelity")
    {
        Description = "Skip the fidelity check (float vs fake-quant vs deploy outputs on held-out calibration samples).",
    };

    public Option<string?> FidelitySet { get; } = new("--fidelity-set")
    {
        Description = "Measure fidelity on this data (any form --calib-set takes, same preprocessing) instead of the calibration samples calibration did not use.",
    };

    public Option<int> FidelitySamples { get; } = new("--fidelity-samples")
    {
        Description = $"At most this many fidelity inputs, spread over the candidates (default {FidelitySettings.DefaultSamples}).",
        DefaultValueFactory = _ => FidelitySettings.DefaultSamples,
    };

    public Option<double?> MinCosine { get; } = new("--min-cosine")
    {
        Description = "Keep the most harmful layers in float until every model output's cosine to float is at least this (e.g. 0.995); write nothing if it cannot be met.",
    };

    public Option<double?> MinSqnr { get; } = new("--min-sqnr")
    {
        Description = "As --min-cosine, for the SQNR (dB) of every model output.",
    };

    public IEnumerable<Option> All => [NoFidelity, FidelitySet, FidelitySamples, MinCosine, MinSqnr];

    /// <summary>The fidelity settings the flags give; null with --no-fidelity.</summary>
    /// <exception cref="CalibException">--no-fidelity with a flag that needs the check.</exception>
    public FidelitySettings? Resolve(ParseResult parse)
    {
        var settings = new FidelitySettings
        {
            Set = parse.GetValue(FidelitySet),
            Samples = parse.GetValue(FidelitySamples),
            MinCosine = parse.GetValue(MinCosine),
            MinSqnrDb = parse.GetValue(MinSqnr),
        };
        if (!parse.GetValue(NoFidelity)) return settings;
        var needing = new Option[] { FidelitySet, FidelitySamples, MinCosine, MinSqnr }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
        if (needing is not null)
            throw new CalibException($"{needing.Name} needs the fidelity check, which --no-fidelity turns off: drop one of them.");
        return null;
    }
}
