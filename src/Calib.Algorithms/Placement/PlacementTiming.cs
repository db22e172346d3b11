using System.Globalization;

namespace Calib.Algorithms.Placement;

/// <summary>One measured (or replayed) choice: the deploy model with a group in int8 against the same model with it in float.</summary>
/// <param name="Candidate">The group's name (<see cref="PlacementCandidate.Name"/>; "whole model" for the final check).</param>
/// <param name="Layers">The group's layers.</param>
/// <param name="Int8Ms">Median ms per batch with the group in int8.</param>
/// <param name="FloatMs">Median ms per batch with the group in float (for the whole model: the float model).</param>
/// <param name="Pairs">Paired runs behind the medians (0 when written by hand).</param>
public sealed record PlacementTiming(string Candidate, IReadOnlyList<string> Layers, double Int8Ms, double FloatMs, int Pairs)
{
    /// <summary>The name of the final check: the placed deploy model against the float model.</summary>
    public const string WholeModel = "whole model";

    /// <summary>
    /// How much faster float must be for a candidate to stay float: paired medians of the same model differ by
    /// about this much run to run, and a tie keeps int8 (smaller file, and the AMCT placement).
    /// </summary>
    public const double NoiseMargin = 0.03;

    /// <summary>
    /// Int8 loses: the candidate is faster in float by more than <see cref="NoiseMargin"/>. The whole model
    /// must instead be faster in int8 by that margin to stay int8: a tie there could be a deploy model slower
    /// than float, which the placement exists to prevent.
    /// </summary>
    public bool KeepFloat => IsWholeModel ? Int8Ms > FloatMs * (1 - NoiseMargin) : FloatMs < Int8Ms * (1 - NoiseMargin);

    /// <summary>The CSV's reason for a layer this timing keeps float.</summary>
    public string FloatReason => IsWholeModel
        ? $"kept float for speed: the placed int8 deploy model was not more than {(int)Math.Round(NoiseMargin * 100)} % faster than float"
        : $"kept float for speed: int8 is slower for the {Candidate}";

    /// <summary>This is the final check of the placed deploy model against the float model.</summary>
    public bool IsWholeModel => Candidate == WholeModel;

    /// <summary>e.g. "int8 1.23 ms, float 0.98 ms per batch".</summary>
    public string Times => $"int8 {Ms(Int8Ms)} ms, float {Ms(FloatMs)} ms per batch";

    /// <summary>The group's layers as one key, order-free.</summary>
    public string Key => KeyOf(Layers);

    /// <summary>An order-free key of <paramref name="layers"/>.</summary>
    public static string KeyOf(IEnumerable<string> layers) => string.Join('\n', layers.Order(StringComparer.Ordinal));

    private static string Ms(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}

/// <summary>What a speed placement decided, and the timings it decided on.</summary>
/// <param name="InputShape">The batch shape timed on.</param>
/// <param name="Device">The execution provider timed on.</param>
/// <param name="IntraOpThreads">ONNX Runtime intra-op threads (0: its choice).</param>
/// <param name="Candidates">Each group tried, in order.</param>
/// <param name="Whole">The placed deploy model against the float model.</param>
/// <param name="TimingsPath">The --timings file, if any.</param>
/// <param name="Replayed">The timings came from <paramref name="TimingsPath"/>, not from a measurement.</param>
/// <param name="Untried">Candidates left untimed because the search's time was spent (see <see cref="PlacementCandidates.SearchTime"/>).</param>
public sealed record PlacementResult(IReadOnlyList<long> InputShape, string Device, int IntraOpThreads, IReadOnlyList<PlacementTiming> Candidates,
    PlacementTiming Whole, string? TimingsPath, bool Replayed, int Untried = 0)
{
    /// <summary>
    /// The layers kept float for speed: those of the candidates where int8 lost and, when the deploy model is
    /// not faster than float, every other layer too — int8 does not pay for this model here.
    /// </summary>
    public IReadOnlyList<string> FloatLayers =>
        [.. Candidates.Where(c => c.KeepFloat).SelectMany(c => c.Layers), .. DeployPays ? [] : Whole.Layers];

    /// <summary>The deploy model placed by the candidates is faster than float (by <see cref="PlacementTiming.NoiseMargin"/>).</summary>
    public bool DeployPays => !Whole.KeepFloat;

    /// <summary>The timing that decided <paramref name="layer"/>: the one that kept it float, else the last one that timed it.</summary>
    public PlacementTiming? For(string layer)
    {
        bool Holds(PlacementTiming timing) => timing.Layers.Contains(layer, StringComparer.Ordinal);
        return Candidates.FirstOrDefault(c => c.KeepFloat && Holds(c))
            ?? (!DeployPays && Holds(Whole) ? Whole : Candidates.LastOrDefault(Holds));
    }

    /// <summary>Lines for the console: each group's decision, and the whole model's.</summary>
    public IEnumerable<string> Describe()
    {
        var source = Replayed ? $"replayed from {TimingsPath}" : $"measured on {string.Join('×', InputShape)}, {Device}";
        yield return $"Placement for speed ({source}):";
        foreach (var c in Candidates)
            yield return $"  {(c.Candidate == PlacementCandidate.NameOfLayer(c.Layers[0]) ? c.Candidate : $"{c.Candidate} ({string.Join(", ", c.Layers)})")}: " +
                         $"{(c.KeepFloat ? "kept float, int8 is slower" : "int8")} ({c.Times}).";
        if (Untried > 0)
            yield return $"  {Untried} more candidate{(Untried == 1 ? "" : "s")} not timed: the search's {PlacementCandidates.SearchTime.TotalSeconds:F0} s were spent{(DeployPays ? "; they stay int8" : "")}.";
        yield return DeployPays
            ? $"  whole model: int8 deploy faster than float ({Whole.Times})."
            : $"  whole model: the deploy model is not faster than float ({Whole.Times}): every layer kept float, so the deploy model runs " +
              "in float; the record keeps every layer's scale/offset for AMCT targets.";
    }
}
