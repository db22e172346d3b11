namespace Calib.Graph.Ir;

/// <summary>Makes names that collide with no name in a set, and adds each name it makes to the set.</summary>
public sealed class UniqueNames
{
    private readonly HashSet<string> _used;

    internal UniqueNames(HashSet<string> used) => _used = used;

    /// <summary><paramref name="stem"/> if unused, else "stem_1", "stem_2", …</summary>
    public string Make(string stem)
    {
        if (_used.Add(stem)) return stem;
        for (var i = 1; ; i++)
            if (_used.Add($"{stem}_{i}")) return $"{stem}_{i}";
    }
}
