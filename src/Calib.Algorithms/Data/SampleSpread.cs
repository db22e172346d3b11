namespace Calib.Algorithms.Data;

/// <summary>
/// Which of <c>total</c> ordered samples a bounded subset takes: sample ⌊i·total/count⌋ for i = 0 … count−1,
/// so that the subset covers the whole order (every class of a set sorted by class, every part of a folder).
/// </summary>
public static class SampleSpread
{
    /// <summary>The indices taken, ascending; every index when <paramref name="count"/> is at least <paramref name="total"/>.</summary>
    public static IReadOnlyList<long> Indices(long total, long count) => count >= total
        ? Sequence(total)
        : Enumerable.Range(0, (int)count).Select(i => i * total / count).ToList();

    private static List<long> Sequence(long total)
    {
        var all = new List<long>((int)Math.Min(total, int.MaxValue));
        for (long i = 0; i < total; i++) all.Add(i);
        return all;
    }
}
