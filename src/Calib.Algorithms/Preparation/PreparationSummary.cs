using Calib.Graph.Passes;

namespace Calib.Algorithms.Preparation;

/// <summary>Counts a preparation's changes by pass, as one line for the user.</summary>
public static class PreparationSummary
{
    // Node naming is bookkeeping, not a change to the computation: it is not summarized.
    private static readonly (string Pass, string Singular, string Plural)[] Phrases =
    [
        (OpsetUpgrade.PassName, "raised the opset", "raised the opset"),
        (ConstantNodesToInitializers.PassName, "turned 1 Constant node into an initializer", "turned {0} Constant nodes into initializers"),
        (PassThroughRemoval.PassName, "removed 1 pass-through node", "removed {0} pass-through nodes"),
        (BatchNormFolding.PassName, "folded 1 BatchNormalization", "folded {0} BatchNormalization"),
    ];

    /// <summary>The summary of <paramref name="changes"/>; null when only names changed.</summary>
    public static string? Describe(IReadOnlyList<GraphChange> changes)
    {
        var parts = Phrases
            .Select(p => (p, Count: changes.Count(c => c.Pass == p.Pass)))
            .Where(x => x.Count > 0)
            .Select(x => x.p.Pass == OpsetUpgrade.PassName
                ? changes.First(c => c.Pass == x.p.Pass).Description
                : string.Format(x.Count == 1 ? x.p.Singular : x.p.Plural, x.Count))
            .ToList();
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }
}
