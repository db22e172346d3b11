namespace Calib.Algorithms.Statistics;

/// <summary>The extremes of a run of values: where the largest sits, and the largest magnitude.</summary>
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

    /// <summary>The largest |value| (0 for an empty run), computed in double so that no value overflows.</summary>
    public static double MaxAbs(ReadOnlySpan<float> values)
    {
        var max = 0.0;
        foreach (var v in values) max = Math.Max(max, Math.Abs((double)v));
        return max;
    }
}
