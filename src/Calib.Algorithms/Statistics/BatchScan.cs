using System.Numerics;
using System.Runtime.InteropServices;

namespace Calib.Algorithms.Statistics;

/// <summary>The range of a batch's finite values and how many values are NaN or infinite.</summary>
/// <param name="Min">The smallest finite value (+∞ when there is none).</param>
/// <param name="Max">The largest finite value (−∞ when there is none).</param>
/// <param name="NonFinite">How many values are NaN or ±∞.</param>
internal readonly record struct BatchScan(double Min, double Max, long NonFinite)
{
    /// <summary>Scans <paramref name="values"/> once, a SIMD vector at a time.</summary>
    public static BatchScan Of(ReadOnlySpan<float> values)
    {
        var positiveInfinity = new Vector<float>(float.PositiveInfinity);
        var negativeInfinity = new Vector<float>(float.NegativeInfinity);
        var largestFinite = new Vector<float>(float.MaxValue);
        var lows = positiveInfinity;
        var highs = negativeInfinity;
        var finiteLanes = Vector<int>.Zero;

        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        foreach (var vector in vectors)
        {
            // |x| ≤ MaxValue is false exactly for NaN and ±∞; those lanes drop out of min and max.
            var finite = Vector.LessThanOrEqual(Vector.Abs(vector), largestFinite);
            lows = Vector.Min(lows, Vector.ConditionalSelect(finite, vector, positiveInfinity));
            highs = Vector.Max(highs, Vector.ConditionalSelect(finite, vector, negativeInfinity));
            finiteLanes -= finite; // a true lane is −1
        }

        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        long finiteCount = 0;
        for (int lane = 0; lane < Vector<float>.Count; lane++)
        {
            min = Math.Min(min, lows[lane]);
            max = Math.Max(max, highs[lane]);
            finiteCount += finiteLanes[lane];
        }

        foreach (float x in values[(vectors.Length * Vector<float>.Count)..])
        {
            if (float.IsFinite(x))
            {
                min = Math.Min(min, x);
                max = Math.Max(max, x);
                finiteCount++;
            }
        }

        // Adding +0 turns −0 into +0, so that the sign of a zero never depends on which lane won.
        return new BatchScan(min + 0.0, max + 0.0, values.Length - finiteCount);
    }
}
