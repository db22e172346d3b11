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

    /// <summary>The settings <paramref name="json"/> describes, starting from <paramref name="current"/>.</summary>
    public static ActivationQuantSettings Read(PositionedJson json, ActivationQuantSettings current)
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
        return new ActivationQuantSettings(algorithm, options);
    }

    private static ActivationAlgorithmOptions Apply(ActivationAlgorithmOptions options, string key, PositionedJson value) => key switch
    {
        "max_percentile" => options with { MaxPercentile = Percentile(value, key) },
        "min_percentile" => options with { MinPercentile = Percentile(value, key) },
        "percentile" => options with { Percentile = Percentile(value, key) },
        "search_range" => SearchRange(options, value),
        "search_step" => options with
        {
            SearchStep = DetailedConfigReader.Number(value, key) is var step && step > 0 ? step : throw value.Error("search_step must be greater than 0."),
        },
        "num_of_bins" => options with
        {
            NumOfBins = DetailedConfigReader.Integer(value, key) is var bins && bins is 1024 or 2048 or 4096 or 8192
                ? (int)bins
                : throw value.Error("num_of_bins must be 1024, 2048, 4096 or 8192."),
        },
        _ => options with { Asymmetric = DetailedConfigReader.Boolean(value, key) },
    };

    private static double Percentile(PositionedJson value, string key) =>
        DetailedConfigReader.Number(value, key) is var p && p > 0.5 && p <= 1
            ? p
            : throw value.Error($"{key} must be in (0.5, 1]; got {value.Text}.");

    private static ActivationAlgorithmOptions SearchRange(ActivationAlgorithmOptions options, PositionedJson value)
    {
        if (value.Kind != JsonValueKind.Array || value.Items.Count != 2)
            throw value.Error("search_range must be a list of two numbers, e.g. [0.7, 1.3].");
        var start = DetailedConfigReader.Number(value.Items[0], "search_range");
        var end = DetailedConfigReader.Number(value.Items[1], "search_range");
        if (start <= 0 || start >= end)
            throw value.Error($"search_range [{value.Items[0].Text}, {value.Items[1].Text}] must have 0 < start < end.");
        return options with { SearchRangeStart = start, SearchRangeEnd = end };
    }
}
