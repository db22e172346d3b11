namespace Calib.Tests.Shared;

/// <summary>
/// The tests' own output comparison, independent of calib's (Evaluation/TensorError): cosine similarity of two
/// models' outputs read from plain ONNX Runtime sessions.
/// </summary>
public static class Similarity
{
    /// <summary>Cosine similarity of <paramref name="a"/> and <paramref name="b"/>, accumulated in double.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static double Cosine(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"outputs of {a.Length} and {b.Length} values cannot be compared");
        double dot = 0, a2 = 0, b2 = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            a2 += (double)a[i] * a[i];
            b2 += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(a2 * b2);
    }
}
