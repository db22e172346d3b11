using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.IO;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Evaluation;

/// <summary>A tensor compared between two models: its name in the reference model and in the candidate.</summary>
/// <param name="Reference">The name in the reference (float) model.</param>
/// <param name="Candidate">The name in the candidate (quantized) model.</param>
public readonly record struct TensorPair(string Reference, string Candidate);

/// <summary>A batch of model input, labelled or not: a tensor for every input.</summary>
/// <param name="Inputs">The tensor of each input, by name; a model with a fixed batch gets zero padding after the samples.</param>
/// <param name="Rows">The batch dimension as fed (padded).</param>
/// <param name="Count">Number of real samples (the padding excluded).</param>
public sealed record InputBatch(IReadOnlyDictionary<string, TypedArray> Inputs, long Rows, int Count)
{
    /// <summary>A batch of one float input <paramref name="inputName"/> of <paramref name="shape"/>.</summary>
    public static InputBatch Of(string inputName, float[] data, long[] shape, int count) =>
        new(new Dictionary<string, TypedArray> { [inputName] = TypedArray.FromFloats(data, shape) }, shape[0], count);
}

/// <summary>
/// Runs a reference and a candidate model on the same batches and measures, per tensor pair, how
/// far the candidate's values are from the reference's; optionally folds candidate tensors into
/// histograms on the way. Only the real samples of a padded batch count.
/// </summary>
internal static class ModelComparison
{
    /// <summary>Compares <paramref name="pairs"/> over labelled <paramref name="batches"/> of a single-input model.</summary>
    /// <inheritdoc cref="Compare(OnnxModel, OnnxModel, IReadOnlyList{TensorPair}, IReadOnlyList{InputBatch}, ExecutionOptions, IReadOnlyDictionary{string, StreamingHistogram}?)"/>
    public static IReadOnlyList<ErrorAccumulator> Compare(OnnxModel reference, OnnxModel candidate, IReadOnlyList<TensorPair> pairs,
        IReadOnlyList<LabelledBatch> batches, ExecutionOptions execution, IReadOnlyDictionary<string, StreamingHistogram>? histograms = null)
    {
        var input = reference.Graph.RuntimeInputs.First().Name;
        return Compare(reference, candidate, pairs, batches.Select(b => InputBatch.Of(input, b.Data, b.Shape, b.Count)).ToList(), execution, histograms);
    }

    /// <summary>Compares <paramref name="pairs"/> over <paramref name="batches"/>.</summary>
    /// <param name="reference">The float model.</param>
    /// <param name="candidate">The quantized model.</param>
    /// <param name="pairs">The tensors to compare (node outputs or graph outputs of each model).</param>
    /// <param name="batches">The samples.</param>
    /// <param name="execution">Device and threads.</param>
    /// <param name="histograms">Candidate tensors (node outputs or graph inputs) to histogram, by name; null for none.</param>
    /// <exception cref="CalibException">A compared tensor has different sizes in the two models.</exception>
    public static IReadOnlyList<ErrorAccumulator> Compare(OnnxModel reference, OnnxModel candidate, IReadOnlyList<TensorPair> pairs,
        IReadOnlyList<InputBatch> batches, ExecutionOptions execution, IReadOnlyDictionary<string, StreamingHistogram>? histograms = null)
    {
        var names = pairs.Select(p => p.Reference).ToList();
        using var referenceRunner = ModelRunner.Create(reference, execution, names);
        return Compare(i => ReferenceBatch.Of(referenceRunner.Run(batches[i].Inputs), names), candidate, pairs, batches, execution, histograms);
    }

    /// <summary>
    /// The float values of <paramref name="names"/> when <paramref name="runner"/>'s model runs on <paramref name="batch"/>,
    /// copied out of ONNX Runtime's memory to be kept beyond the run.
    /// </summary>
    public static float[][] Outputs(ModelRunner runner, InputBatch batch, IEnumerable<string> names)
    {
        using var result = runner.Run(batch.Inputs);
        return names.Select(name => result.Floats(name).ToArray()).ToArray();
    }

    /// <summary>
    /// Compares <paramref name="pairs"/> over <paramref name="batches"/> against reference values given per
    /// batch index (in the order of <paramref name="pairs"/>): a caller that compares many candidates with one
    /// reference runs the reference once.
    /// </summary>
    /// <param name="referenceOutputs">The reference values of each batch, by batch index.</param>
    /// <param name="candidate">The quantized model.</param>
    /// <param name="pairs">The tensors to compare (node outputs or graph outputs of each model).</param>
    /// <param name="batches">The samples.</param>
    /// <param name="execution">Device and threads.</param>
    /// <param name="histograms">Candidate tensors (node outputs or graph inputs) to histogram, by name; null for none.</param>
    /// <exception cref="CalibException">A compared tensor has different sizes in the two models.</exception>
    public static IReadOnlyList<ErrorAccumulator> Compare(Func<int, float[][]> referenceOutputs, OnnxModel candidate,
        IReadOnlyList<TensorPair> pairs, IReadOnlyList<InputBatch> batches, ExecutionOptions execution,
        IReadOnlyDictionary<string, StreamingHistogram>? histograms = null) =>
        Compare(i => ReferenceBatch.Of(referenceOutputs(i)), candidate, pairs, batches, execution, histograms);

    private static IReadOnlyList<ErrorAccumulator> Compare(Func<int, ReferenceBatch> referenceOutputs, OnnxModel candidate,
        IReadOnlyList<TensorPair> pairs, IReadOnlyList<InputBatch> batches, ExecutionOptions execution,
        IReadOnlyDictionary<string, StreamingHistogram>? histograms)
    {
        histograms ??= new Dictionary<string, StreamingHistogram>();
        var candidateInputs = candidate.Graph.RuntimeInputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        using var candidateRunner = ModelRunner.Create(candidate, execution,
            pairs.Select(p => p.Candidate).Concat(histograms.Keys.Where(t => !candidateInputs.Contains(t))));
        var errors = pairs.Select(_ => new ErrorAccumulator()).ToList();
        foreach (var (index, batch) in batches.Index())
        {
            using var expected = referenceOutputs(index);
            using var actual = candidateRunner.Run(batch.Inputs);
            var rows = (int)batch.Rows;
            for (var i = 0; i < pairs.Count; i++)
            {
                var (f, q) = (expected[i].Length, actual.Floats(pairs[i].Candidate).Length);
                if (f != q)
                    throw new CalibException(
                        $"Tensor '{pairs[i].Reference}' has {f / rows} values per sample in the float model but '{pairs[i].Candidate}' " +
                        $"has {q / rows} in the quantized model: the two models are not the same network.");
            }
            // Each accumulator and histogram is independent: folded in parallel without changing any result.
            Parallel.For(0, pairs.Count, i => errors[i].Add(
                RealRows(expected[i], rows, batch.Count),
                RealRows(actual.Floats(pairs[i].Candidate), rows, batch.Count)));
            Parallel.ForEach(histograms, entry => entry.Value.Add(RealRows(
                candidateInputs.Contains(entry.Key) ? batch.Inputs[entry.Key].Floats : actual.Floats(entry.Key), rows, batch.Count)));
        }
        return errors;
    }

    private static ReadOnlySpan<float> RealRows(ReadOnlySpan<float> values, int rows, int count) =>
        values[..(values.Length / rows * count)];

    /// <summary>
    /// The reference values of one batch, in the order of the pairs, read where they lie: in arrays a caller keeps, or in
    /// ONNX Runtime's memory until the batch is compared (not copied, then released).
    /// </summary>
    private sealed class ReferenceBatch(Func<int, ReadOnlySpan<float>> values, IDisposable? run = null) : IDisposable
    {
        public ReadOnlySpan<float> this[int pair] => values(pair);

        public static ReferenceBatch Of(float[][] kept) => new(pair => kept[pair]);

        public static ReferenceBatch Of(RunResult run, IReadOnlyList<string> names) => new(pair => run.Floats(names[pair]), run);

        public void Dispose() => run?.Dispose();
    }
}
