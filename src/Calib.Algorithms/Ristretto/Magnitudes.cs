namespace Calib.Algorithms.Ristretto;

/// <summary>The largest and the smallest nonzero absolute value seen in a tensor.</summary>
/// <param name="Max">max |x|; 0 when nothing was seen.</param>
/// <param name="MinNonZero">min |x| over x ≠ 0; 0 when every value was zero.</param>
public readonly record struct Magnitudes(double Max, double MinNonZero)
{
    /// <summary>Nothing seen yet.</summary>
    public static Magnitudes None => new(0, 0);

    /// <summary>The magnitudes of <paramref name="values"/>.</summary>
    public static Magnitudes Of(ReadOnlySpan<float> values)
    {
        var max = 0f;
        var min = float.PositiveInfinity;
        foreach (var v in values)
        {
            var a = Math.Abs(v);
            if (a > max) max = a;
            if (a > 0 && a < min) min = a;
        }
        return new Magnitudes(max, float.IsPositiveInfinity(min) ? 0 : min);
    }

    /// <summary>Both together.</summary>
    public Magnitudes Merge(Magnitudes other) => new(
        Math.Max(Max, other.Max),
        MinNonZero == 0 ? other.MinNonZero : other.MinNonZero == 0 ? MinNonZero : Math.Min(MinNonZero, other.MinNonZero));
}
