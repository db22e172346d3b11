using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Ristretto;

/// <summary>
/// Scores networks as Ristretto's <c>RunForwardBatches</c> does: top-1 accuracy over the first
/// <c>iterations × batch size</c> samples of the evaluation set, fed in batches, as a fraction.
/// </summary>
/// <param name="set">The labelled samples.</param>
/// <param name="scoreTensor">The tensor holding the class scores (the Accuracy layer's bottom).</param>
/// <param name="batchSize">Samples per forward pass.</param>
/// <param name="iterations">Forward passes per score.</param>
/// <param name="execution">Where ONNX Runtime runs.</param>
internal sealed class AccuracyScorer(LabelledImages set, string scoreTensor, int batchSize, int iterations, ExecutionOptions execution)
{
    /// <summary>The number of samples one score covers.</summary>
    public int Samples => batchSize * iterations;

    /// <summary>The top-1 accuracy of <paramref name="model"/>, in [0, 1].</summary>
    /// <exception cref="CalibException">ONNX Runtime fails, or the scores do not hold one row per sample.</exception>
    public double Accuracy(OnnxModel model)
    {
        using var runner = ModelRunner.Create(model, execution, ExtraOutputs(model, [scoreTensor]));
        var correct = 0;
        for (var b = 0; b < iterations; b++)
        {
            using var result = Run(runner, b);
            var scores = result.Floats(scoreTensor);
            if (scores.Length % batchSize != 0)
                throw new CalibException($"Score tensor '{scoreTensor}' holds {scores.Length} values for a batch of {batchSize}: it must be [N, classes].");
            var classes = scores.Length / batchSize;
            for (var i = 0; i < batchSize; i++)
                if (Extremes.ArgMax(scores.Slice(i * classes, classes)) == set.Labels[b * batchSize + i]) correct++;
        }
        return (double)correct / Samples;
    }

    /// <summary>
    /// The largest and the smallest nonzero absolute value of each of <paramref name="tensors"/> over
    /// the first <paramref name="batches"/> batches.
    /// </summary>
    public Dictionary<string, Magnitudes> Magnitudes(OnnxModel model, IReadOnlyCollection<string> tensors, int batches)
    {
        var names = tensors.Distinct(StringComparer.Ordinal).ToList();
        var seen = names.ToDictionary(t => t, _ => Ristretto.Magnitudes.None, StringComparer.Ordinal);
        // The model input is not an output ONNX Runtime can return: its values are the fed batch.
        var input = model.Graph.RuntimeInputs.First().Name;
        var computed = names.Where(n => n != input).ToList();
        using var runner = ModelRunner.Create(model, execution, ExtraOutputs(model, computed));
        for (var b = 0; b < Math.Min(batches, iterations); b++)
        {
            using var result = Run(runner, b);
            foreach (var name in computed) seen[name] = seen[name].Merge(Ristretto.Magnitudes.Of(result.Floats(name)));
            if (seen.ContainsKey(input)) seen[input] = seen[input].Merge(Ristretto.Magnitudes.Of(Batch(b)));
        }
        return seen;
    }

    private RunResult Run(ModelRunner runner, int batch) =>
        runner.Run(runner.InputNames[0], Batch(batch).ToArray(), [batchSize, .. set.SampleShape]);

    private ReadOnlySpan<float> Batch(int batch) => set.Data.AsSpan(batch * batchSize * set.SampleSize, batchSize * set.SampleSize);

    private static IEnumerable<string> ExtraOutputs(OnnxModel model, IEnumerable<string> tensors) =>
        tensors.Where(t => !model.Graph.IsGraphOutput(t));
}
