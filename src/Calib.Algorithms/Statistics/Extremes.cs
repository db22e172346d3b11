namespace Calib.Algorithms.Statistics;

/// <summary>The extremes of a run of values.</summary>
public static class Extremes
{
    /// <summary>The index of the largest value; ties go to the lower index (0 for an empty run).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var k = 1; k < values.Length; k++)
            if (values[k] > values[best]) best = k;
        return best;
    }
}
