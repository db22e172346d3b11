using System.Globalization;
using Calib.Algorithms.Quantization;
using Calib.Graph;

namespace Calib.Algorithms.Configuration;

/// <summary>One out-of-range activation parameter: its AMCT key and what is wrong with it.</summary>
/// <param name="Key">The AMCT key (<c>search_step</c>, <c>search_range</c>, …).</param>
/// <param name="Message">The problem, stating the allowed range.</param>
public sealed record ParamProblem(string Key, string Message);

/// <summary>
/// The one rule set for the activation algorithms' parameters, applied to what the detailed JSON, the
/// simplified .cfg and the command line produce. Besides AMCT's ranges it bounds the work a setting
/// asks for: IFMR tries every pair of candidate factors, so a tiny <c>search_step</c> would run for
/// hours (1e-7 asks for 6 million candidates per bound, 3.6·10¹³ pairs per layer).
/// </summary>
public static class ActivationParamRules
{
    /// <summary>
    /// The most IFMR candidate factors per bound. A two-sided layer costs up to this squared (40,000)
    /// error evaluations over its fine histogram, about 2 s; AMCT's default (0.7 to 1.3 by 0.01) is 61.
    /// </summary>
    public const int MaxSearchFactors = 200;

    /// <summary>The largest <c>search_range</c> end: the factors scale a quantile of the data, and beyond 100× they only overflow.</summary>
    public const double MaxSearchFactor = 100;

    /// <summary>The bin counts HFMG accepts (AMCT's).</summary>
    public static IReadOnlyList<int> BinCounts { get; } = [1024, 2048, 4096, 8192];

    /// <summary>The first parameter of <paramref name="options"/> out of range, or null when all are valid.</summary>
    public static ParamProblem? FirstProblem(ActivationAlgorithmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Percentile(options.MaxPercentile, "max_percentile")
            ?? Percentile(options.MinPercentile, "min_percentile")
            ?? Percentile(options.Percentile, "percentile")
            ?? SearchRange(options.SearchRangeStart, options.SearchRangeEnd)
            ?? SearchStep(options)
            ?? (BinCounts.Contains(options.NumOfBins)
                ? null
                : new ParamProblem("num_of_bins", $"num_of_bins must be 1024, 2048, 4096 or 8192; got {options.NumOfBins}."));
    }

    /// <summary>Throws when a parameter is out of range; <paramref name="where"/> (file, block or layer) starts the message.</summary>
    /// <exception cref="CalibException">A parameter is out of range.</exception>
    public static void Check(ActivationAlgorithmOptions options, string where)
    {
        if (FirstProblem(options) is { } problem) throw new CalibException($"{where}: {problem.Message}");
    }

    /// <summary>How many IFMR candidate factors the range and step give per bound (start + k·step up to the end).</summary>
    public static double SearchFactorCount(ActivationAlgorithmOptions options) =>
        Math.Floor((options.SearchRangeEnd - options.SearchRangeStart) / options.SearchStep + 1e-9) + 1;

    private static ParamProblem? Percentile(double value, string key) =>
        value > 0.5 && value <= 1 ? null : new ParamProblem(key, $"{key} must be in (0.5, 1]; got {Show(value)}.");

    private static ParamProblem? SearchRange(double start, double end) =>
        start > 0 && start < end && end <= MaxSearchFactor
            ? null
            : new ParamProblem("search_range", $"search_range must be [start, end] with 0 < start < end <= {MaxSearchFactor}; got [{Show(start)}, {Show(end)}].");

    private static ParamProblem? SearchStep(ActivationAlgorithmOptions options)
    {
        var step = options.SearchStep;
        if (!(step > 0 && double.IsFinite(step)))
            return new ParamProblem("search_step", $"search_step must be a number above 0 (AMCT's default is 0.01); got {Show(step)}.");
        var count = SearchFactorCount(options);
        if (count <= MaxSearchFactors) return null;
        var smallest = (options.SearchRangeEnd - options.SearchRangeStart) / (MaxSearchFactors - 1);
        return new ParamProblem(
            "search_step",
            $"search_step {Show(step)} over search_range [{Show(options.SearchRangeStart)}, {Show(options.SearchRangeEnd)}] makes " +
            $"{Count(count)} candidate factors per bound; calib allows at most {MaxSearchFactors} " +
            $"(that many cost about 2 s per layer): use search_step >= {Show(RoundUp(smallest))} (AMCT's default is 0.01).");
    }

    // Two significant digits, rounded up so that the suggested step really is allowed.
    private static double RoundUp(double value)
    {
        var unit = Math.Pow(10, Math.Floor(Math.Log10(value)) - 1);
        return Math.Ceiling(value / unit) * unit;
    }

    private static string Show(double value) => value.ToString("G6", CultureInfo.InvariantCulture).ToLowerInvariant();

    private static string Count(double count) =>
        count < 1e15 ? count.ToString("N0", CultureInfo.InvariantCulture) : count.ToString("G3", CultureInfo.InvariantCulture).ToLowerInvariant();
}
