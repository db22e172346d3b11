using System.Text.Json;
using Calib.Algorithms.Quantization;
using Calib.Graph;

namespace Calib.Algorithms.Configuration;

/// <summary>
/// Reads and checks <c>activation_quant_params</c>: act_algo and the parameters of that algorithm,
/// with AMCT's names and ranges.
/// </summary>
internal static class ActivationParams
{
    private static readonly Dictionary<string, ActivationAlgorithm[]> KeysByAlgorithm = new()
    {
        ["max_percentile"] = [ActivationAlgorithm.Ifmr],
        ["min_percentile"] = [ActivationAlgorithm.Ifmr],
        ["search_range"] = [ActivationAlgorithm.Ifmr],
        ["search_step"] = [ActivationAlgorithm.Ifmr],
        ["num_of_bins"] = [ActivationAlgorithm.Hfmg],
        ["percentile"] = [ActivationAlgorithm.Percentile],
        ["asymmetric"] = [.. QuantConfig.Searchable],
    };

    /// <summary>
    /// The settings <paramref name="json"/> (of layer <paramref name="layer"/>) describes, starting from
    /// <paramref name="current"/>; checked by <see cref="ActivationParamRules"/>, with the position of the offending key.
    /// </summary>
    public static ActivationQuantSettings Read(PositionedJson json, string layer, ActivationQuantSettings current)
    {
        if (json.Kind != JsonValueKind.Object) throw json.Error("activation_quant_params must be an object.");
        var algorithm = current.Algorithm;
        if (json.Members.FirstOrDefault(m => m.Name == "act_algo") is { Value: { } algo })
            algorithm = algo.Kind == JsonValueKind.String && QuantConfig.ParseAlgorithm(algo.Text) is { } parsed
                ? parsed
                : throw algo.Error($"act_algo '{algo.Text}' is not one of {string.Join(", ", QuantConfig.Searchable.Select(QuantConfig.AlgorithmName))}.");
        var options = current.Options;
        foreach (var (key, line, column, value) in json.Members.Where(m => m.Name != "act_algo"))
        {
            if (!KeysByAlgorithm.TryGetValue(key, out var algorithms))
                throw new CalibException($"{json.Source}:{line}:{column}: unknown key '{key}' in activation_quant_params; it takes act_algo, {string.Join(", ", KeysByAlgorithm.Keys)}.");
            if (!algorithms.Contains(algorithm))
                throw new CalibException($"{json.Source}:{line}:{column}: '{key}' is a parameter of act_algo {string.Join("/", algorithms.Select(QuantConfig.AlgorithmName))}, not of {QuantConfig.AlgorithmName(algorithm)}.");
            options = Apply(options, key, value);
        }
        if (ActivationParamRules.FirstProblem(options) is { } problem)
        {
            var at = json.Members.LastOrDefault(m => m.Name == problem.Key).Value ?? json;
            throw at.Error($"layer '{layer}': {problem.Message}");
        }
        return new ActivationQuantSettings(algorithm, options);
    }

    // Types only: the ranges are ActivationParamRules', checked once all keys are read.
    private static ActivationAlgorithmOptions Apply(ActivationAlgorithmOptions options, string key, PositionedJson value) => key switch
    {
        "max_percentile" => options with { MaxPercentile = DetailedConfigReader.Number(value, key) },
        "min_percentile" => options with { MinPercentile = DetailedConfigReader.Number(value, key) },
        "percentile" => options with { Percentile = DetailedConfigReader.Number(value, key) },
        "search_range" => SearchRange(options, value),
        "search_step" => options with { SearchStep = DetailedConfigReader.Number(value, key) },
        "num_of_bins" => options with
        {
            NumOfBins = DetailedConfigReader.Integer(value, key) is var bins && bins is >= int.MinValue and <= int.MaxValue
                ? (int)bins
                : throw value.Error($"num_of_bins must be one of {string.Join(", ", ActivationParamRules.BinCounts)}; got {value.Text}."),
        },
        _ => options with { Asymmetric = DetailedConfigReader.Boolean(value, key) },
    };

    private static ActivationAlgorithmOptions SearchRange(ActivationAlgorithmOptions options, PositionedJson value)
    {
        if (value.Kind != JsonValueKind.Array || value.Items.Count != 2)
            throw value.Error("search_range must be a list of two numbers, e.g. [0.7, 1.3].");
        return options with
        {
            SearchRangeStart = DetailedConfigReader.Number(value.Items[0], "search_range"),
            SearchRangeEnd = DetailedConfigReader.Number(value.Items[1], "search_range"),
        };
    }
}
