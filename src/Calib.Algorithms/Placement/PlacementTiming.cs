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

    /// <summary>Int8 loses: the group is faster in float. A tie keeps int8 (smaller file, and the AMCT placement).</summary>
    public bool KeepFloat => FloatMs < Int8Ms;

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
public sealed record PlacementResult(IReadOnlyList<long> InputShape, string Device, int IntraOpThreads, IReadOnlyList<PlacementTiming> Candidates,
    PlacementTiming Whole, string? TimingsPath, bool Replayed)
{
    /// <summary>The layers kept float for speed.</summary>
    public IReadOnlyList<string> FloatLayers => [.. Candidates.Where(c => c.KeepFloat).SelectMany(c => c.Layers)];

    /// <summary>The placed deploy model is not slower than float.</summary>
    public bool DeployPays => !Whole.KeepFloat;

    /// <summary>The timing that decided <paramref name="layer"/>, if a candidate held it.</summary>
    public PlacementTiming? For(string layer) => Candidates.FirstOrDefault(c => c.Layers.Contains(layer, StringComparer.Ordinal));

    /// <summary>Lines for the console: each group's decision, and the whole model's.</summary>
    public IEnumerable<string> Describe()
    {
        var source = Replayed ? $"replayed from {TimingsPath}" : $"measured on {string.Join('×', InputShape)}, {Device}";
        yield return $"Placement for speed ({source}):";
        foreach (var c in Candidates)
            yield return $"  {c.Candidate} ({string.Join(", ", c.Layers)}): {(c.KeepFloat ? "kept float, int8 is slower" : "int8")} ({c.Times}).";
        yield return DeployPays
            ? $"  whole model: int8 deploy not slower than float ({Whole.Times})."
            : $"  whole model: the deploy model is still slower than float ({Whole.Times}).";
    }
}
