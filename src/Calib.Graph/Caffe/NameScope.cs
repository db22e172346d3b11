namespace Calib.Graph.Caffe;

/// <summary>
/// Names taken in the ONNX graph being built (one scope for tensors, one for nodes). Caffe's blob and
/// layer names are reserved up front, so the names calib makes up for helper nodes, constants and
/// in-place versions never take one.
/// </summary>
internal sealed class NameScope
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    /// <summary>Marks <paramref name="name"/> as taken.</summary>
    public void Reserve(string name) => _taken.Add(name);

    /// <summary><paramref name="stem"/>, or "stem_1", "stem_2", … — the first that is free; it becomes taken.</summary>
    public string Unique(string stem)
    {
        if (_taken.Add(stem)) return stem;
        for (var i = 1; ; i++)
            if (_taken.Add($"{stem}_{i}")) return $"{stem}_{i}";
    }
}
