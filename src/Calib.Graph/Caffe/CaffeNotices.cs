namespace Calib.Graph.Caffe;

/// <summary>
/// What the Caffe import tells the user about layer pairs it joins and BatchNorm settings it overrides:
/// one line with a count, however many layers there are (a RetinaFace has dozens of BatchNorm layers),
/// and the per-layer details only where asked for (<c>calib inspect</c>).
/// </summary>
public static class CaffeNotices
{
    /// <summary>The summary of Scale layers joined into the BatchNorm before them.</summary>
    public static string JoinedScales(int count) =>
        $"Joined {count} Scale {Plural(count, "layer")} into the BatchNorm before {(count == 1 ? "it" : "each")} (one BatchNormalization node per pair; the pairs: calib inspect).";

    /// <summary>The per-pair details, one line: "scale ← bn, …".</summary>
    public static string JoinedPairs(IReadOnlyDictionary<string, string> merged) =>
        $"Scale layers joined into their BatchNorm ({merged.Count}): {string.Join(", ", merged.Select(p => $"{p.Key} ← {p.Value}"))}";

    /// <summary>The warning for BatchNorm layers that set use_global_stats: false, all in one line.</summary>
    public static string BatchStatistics(IReadOnlyList<string> layers) =>
        $"{layers.Count} BatchNorm {Plural(layers.Count, "layer")} ({Names(layers)}) {(layers.Count == 1 ? "sets" : "set")} use_global_stats: false (batch statistics); " +
        "the converted model uses the stored mean and variance, as inference should.";

    private static string Names(IReadOnlyList<string> layers) =>
        layers.Count <= 3 ? string.Join(", ", layers.Select(l => $"'{l}'")) : $"'{layers[0]}', '{layers[1]}', … '{layers[^1]}'";

    private static string Plural(int count, string noun) => count == 1 ? noun : noun + "s";
}
