namespace Calib.Algorithms.Evaluation;

/// <summary>How a classifier did on an evaluation set.</summary>
/// <param name="Name">The model, for reports (its file, or its role such as "fake-quant").</param>
/// <param name="Top1Correct">Samples whose highest score is their label.</param>
/// <param name="Top5Correct">Samples whose label is among the five highest scores.</param>
/// <param name="Predictions">The top-1 class of each sample, in set order.</param>
/// <param name="Elapsed">Wall time of the pass (decoding overlaps with inference).</param>
public sealed record ModelScore(string Name, int Top1Correct, int Top5Correct, IReadOnlyList<int> Predictions, TimeSpan Elapsed)
{
    /// <summary>Number of samples scored.</summary>
    public int Images => Predictions.Count;

    /// <summary>Top-1 accuracy in percent.</summary>
    public double Top1 => 100.0 * Top1Correct / Images;

    /// <summary>Top-5 accuracy in percent.</summary>
    public double Top5 => 100.0 * Top5Correct / Images;

    /// <summary>Throughput of the pass.</summary>
    public double ImagesPerSecond => Images / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>This top-1 minus <paramref name="reference"/>'s, in points (computed from the counts, so 0.3 is 0.3).</summary>
    public double Top1Difference(ModelScore reference) => 100.0 * (Top1Correct - reference.Top1Correct) / Images;

    /// <summary>This top-5 minus <paramref name="reference"/>'s, in points.</summary>
    public double Top5Difference(ModelScore reference) => 100.0 * (Top5Correct - reference.Top5Correct) / Images;

    /// <summary>Percentage of samples on which this model and <paramref name="other"/> predict the same class.</summary>
    public double Agreement(ModelScore other) =>
        100.0 * Predictions.Zip(other.Predictions).Count(p => p.First == p.Second) / Images;
}
