using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Evaluation;

/// <summary>A tensor compared between two models: its name in the reference model and in the candidate.</summary>
/// <param name="Reference">The name in the reference (float) model.</param>
/// <param name="Candidate">The name in the candidate (quantized) model.</param>
public readonly record struct TensorPair(string Reference, string Candidate);

/// <summary>A batch of model input, labelled or not.</summary>
/// <param name="Data">NCHW float32 data; a model with a fixed batch gets zero padding after the samples.</param>
/// <param name="Shape">The tensor shape (padded).</param>
/// <param name="Count">Number of real samples (the padding excluded).</param>
public sealed record InputBatch(float[] Data, long[] Shape, int Count);

/// <summary>
/// Runs a reference and a candidate model on the same batches and measures, per tensor pair, how
/// far the candidate's values are from the reference's; optionally folds candidate tensors into
/// histograms on the way. Only the real samples of a padded batch count.
/// </summary>
internal static class ModelComparison
{
    /// <summary>Compares <paramref name="pairs"/> over <paramref name="batches"/>.</summary>
    /// <param name="reference">The float model.</param>
    /// <param name="candidate">The quantized model.</param>
    /// <param name="pairs">The tensors to compare (node outputs or graph outputs of each model).</param>
    /// <param name="batches">The samples.</param>
    /// <param name="execution">Device and threads.</param>
    /// <param name="histograms">Candidate tensors (node outputs or the graph input) to histogram, by name; null for none.</param>
    /// <exception cref="CalibException">A compared tensor has different sizes in the two models.</exception>
    public static IReadOnlyList<ErrorAccumulator> Compare(OnnxModel reference, OnnxModel candidate, IReadOnlyList<TensorPair> pairs,
        IReadOnlyList<LabelledBatch> batches, ExecutionOptions execution, IReadOnlyDictionary<string, StreamingHistogram>? histograms = null) =>
        Compare(reference, candidate, pairs, batches.Select(b => new InputBatch(b.Data, b.Shape, b.Count)).ToList(), execution, histograms);

    /// <summary>Compares <paramref name="pairs"/> over unlabelled <paramref name="batches"/>.</summary>
    /// <inheritdoc cref="Compare(OnnxModel, OnnxModel, IReadOnlyList{TensorPair}, IReadOnlyList{LabelledBatch}, ExecutionOptions, IReadOnlyDictionary{string, StreamingHistogram}?)"/>
    public static IReadOnlyList<ErrorAccumulator> Compare(OnnxModel reference, OnnxModel candidate, IReadOnlyList<TensorPair> pairs,
        IReadOnlyList<InputBatch> batches, ExecutionOptions execution, IReadOnlyDictionary<string, StreamingHistogram>? histograms = null)
    {
        histograms ??= new Dictionary<string, StreamingHistogram>();
        var candidateInputs = candidate.Graph.RuntimeInputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        using var referenceRunner = ModelRunner.Create(reference, execution, pairs.Select(p => p.Reference));
        using var candidateRunner = ModelRunner.Create(candidate, execution,
            pairs.Select(p => p.Candidate).Concat(histograms.Keys.Where(t => !candidateInputs.Contains(t))));
        var errors = pairs.Select(_ => new ErrorAccumulator()).ToList();
        foreach (var batch in batches)
        {
            using var expected = referenceRunner.Run(referenceRunner.InputNames[0], batch.Data, batch.Shape);
            using var actual = candidateRunner.Run(candidateRunner.InputNames[0], batch.Data, batch.Shape);
            var rows = (int)batch.Shape[0];
            for (var i = 0; i < pairs.Count; i++)
            {
                var (f, q) = (expected.Floats(pairs[i].Reference).Length, actual.Floats(pairs[i].Candidate).Length);
                if (f != q)
                    throw new CalibException(
                        $"Tensor '{pairs[i].Reference}' has {f / rows} values per sample in the float model but '{pairs[i].Candidate}' " +
                        $"has {q / rows} in the quantized model: the two models are not the same network.");
            }
            // Each accumulator and histogram is independent: folded in parallel without changing any result.
            Parallel.For(0, pairs.Count, i => errors[i].Add(
                RealRows(expected.Floats(pairs[i].Reference), rows, batch.Count),
                RealRows(actual.Floats(pairs[i].Candidate), rows, batch.Count)));
            Parallel.ForEach(histograms, entry => entry.Value.Add(RealRows(
                candidateInputs.Contains(entry.Key) ? batch.Data : actual.Floats(entry.Key), rows, batch.Count)));
        }
        return errors;
    }

    private static ReadOnlySpan<float> RealRows(ReadOnlySpan<float> values, int rows, int count) =>
        values[..(values.Length / rows * count)];
}
