namespace Calib.Graph.Ir;

/// <summary>Makes names that collide with no name in a set, and adds each name it makes to the set.</summary>
public sealed class UniqueNames
{
    private readonly HashSet<string> _used;

    /// <summary>An empty scope: names are taken by <see cref="Reserve"/> and <see cref="Make"/>.</summary>
    public UniqueNames() : this(new HashSet<string>(StringComparer.Ordinal)) { }

    internal UniqueNames(HashSet<string> used) => _used = used;

    /// <summary>Marks <paramref name="name"/> as taken (a name given, not made).</summary>
    public void Reserve(string name) => _used.Add(name);

    /// <summary><paramref name="stem"/> if unused, else "stem_1", "stem_2", …</summary>
    public string Make(string stem)
    {
        if (_used.Add(stem)) return stem;
        for (var i = 1; ; i++)
            if (_used.Add($"{stem}_{i}")) return $"{stem}_{i}";
    }
}
