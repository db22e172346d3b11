using Calib.Algorithms.Data;
using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Calibration;

/// <summary>
/// Streams calibration batches through ONNX Runtime with the observed tensors as extra outputs
/// and folds each batch into one histogram per tensor. Only histograms are kept, so memory does
/// not grow with the number of batches.
/// </summary>
public sealed class ActivationStatistics
{
    private readonly Dictionary<string, StreamingHistogram> _histograms;

    private ActivationStatistics(Dictionary<string, StreamingHistogram> histograms) => _histograms = histograms;

    /// <summary>The histogram of <paramref name="tensor"/>.</summary>
    public StreamingHistogram this[string tensor] => _histograms[tensor];

    /// <summary>Number of batches folded in.</summary>
    public int Batches { get; private init; }

    /// <summary>Number of samples seen.</summary>
    public long Samples => Fed.Count;

    /// <summary>Which samples were fed, by identity, and which files were skipped.</summary>
    public FedSamples Fed { get; private init; } = new();

    /// <summary>The shape of the first calibration batch of a model with one float input (the shape the deploy model's speed is measured on); empty otherwise.</summary>
    public IReadOnlyList<long> BatchShape { get; private init; } = [];

    /// <summary>Runs <paramref name="feeds"/> (a tensor for every model input) through <paramref name="model"/> and collects statistics of <paramref name="tensors"/>.</summary>
    /// <param name="model">The prepared float model.</param>
    /// <param name="tensors">The tensors to observe.</param>
    /// <param name="feeds">The calibration batches.</param>
    /// <param name="execution">Device and threading.</param>
    /// <param name="describe">Names the layer(s) that read a tensor, for error messages.</param>
    /// <param name="onBatch">Called after each batch with the number of batches done.</param>
    public static ActivationStatistics Collect(OnnxModel model, IReadOnlyList<string> tensors, IEnumerable<ModelFeed> feeds,
        ExecutionOptions execution, Func<string, string> describe, Action<int>? onBatch = null)
    {
        var histograms = tensors.ToDictionary(t => t, _ => new StreamingHistogram(), StringComparer.Ordinal);
        // Graph inputs are the feed itself; everything else comes back as an extra output.
        var graphInputs = model.Graph.RuntimeInputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        using var runner = ModelRunner.Create(model, execution, tensors.Where(t => !graphInputs.Contains(t)));
        var count = 0;
        var fed = new FedSamples();
        long[] shape = [];
        foreach (var feed in feeds)
        {
            // The speed check feeds one float input of this shape; other models are not timed.
            if (count == 0 && feed.Inputs.Count == 1 && feed.Inputs.Values.First() is { ElementType: Graph.Onnx.Proto.TensorProto.Types.DataType.Float } only)
                shape = [.. only.Shape];
            using (var result = runner.Run(feed.Inputs))
                Accumulate(t => graphInputs.Contains(t) ? feed.Inputs[t].Floats : result.Floats(t), tensors, histograms, feed, describe);
            fed.Add(feed);
            onBatch?.Invoke(++count);
        }
        return new ActivationStatistics(histograms) { Batches = count, Fed = fed, BatchShape = shape };
    }

    private delegate ReadOnlySpan<float> ValuesOf(string tensor);

    // Each tensor's histogram is independent, so tensors are folded in parallel without changing any result.
    private static void Accumulate(ValuesOf values, IReadOnlyList<string> tensors, Dictionary<string, StreamingHistogram> histograms,
        ModelFeed batch, Func<string, string> describe)
    {
        var nonFinite = new long[tensors.Count];
        Parallel.For(0, tensors.Count, i => nonFinite[i] = histograms[tensors[i]].Add(values(tensors[i])));
        for (var i = 0; i < tensors.Count; i++)
            if (nonFinite[i] > 0)
                throw new CalibException(
                    $"Tensor '{tensors[i]}' ({describe(tensors[i])}) has {nonFinite[i]} NaN/Inf values in calibration batch {batch.Index + 1} " +
                    $"(files {batch.Files[0]} … {batch.Files[^1]}). Check the preprocessing flags and that the float model runs correctly on these inputs.");
    }
}
