using Calib.Algorithms.Data;
using Calib.Graph;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Evaluation;

/// <summary>A batch of labelled evaluation samples.</summary>
/// <param name="Data">NCHW float32 data; a model with a fixed batch gets zero padding after the samples.</param>
/// <param name="Shape">The tensor shape (padded).</param>
/// <param name="Labels">The class of each real sample.</param>
public sealed record LabelledBatch(float[] Data, long[] Shape, IReadOnlyList<int> Labels)
{
    /// <summary>Number of real samples (the padding excluded).</summary>
    public int Count => Labels.Count;
}

/// <summary>
/// A labelled set made ready for a model: the model's input layout, the preprocessing and the batch
/// size. Each read decodes the images again (with prefetch), so memory does not grow with the set.
/// </summary>
public sealed class EvaluationData
{
    private readonly Preprocessing _preprocessing;

    private EvaluationData(LabelledSet set, ModelInput input, Preprocessing preprocessing, int batchSize)
    {
        Set = set;
        Input = input;
        _preprocessing = preprocessing;
        BatchSize = batchSize;
    }

    /// <summary>The labelled samples evaluated (after --limit).</summary>
    public LabelledSet Set { get; }

    /// <summary>The model input they feed.</summary>
    public ModelInput Input { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Opens <paramref name="evalSet"/> for the float model <paramref name="model"/>.</summary>
    /// <exception cref="CalibException">The set or the settings do not fit the model.</exception>
    public static EvaluationData Open(OnnxModel model, string modelPath, string evalSet, EvaluationSettings settings)
    {
        var input = ModelInput.Of(model, modelPath);
        var batchSize = input.BatchSize(settings.BatchSize, EvaluationSettings.DefaultBatchSize, modelPath);
        var set = LabelledSet.Open(evalSet);
        if (settings.Limit is { } limit)
        {
            if (limit < 1) throw new CalibException($"--limit {limit} must be at least 1.");
            set = set.Spread(limit);
        }
        if (settings.LayerSamples < 1) throw new CalibException($"--layer-samples {settings.LayerSamples} must be at least 1.");
        return new EvaluationData(set, input, settings.Preprocessing, batchSize);
    }

    /// <summary>Number of batches a read of the whole set gives.</summary>
    public int BatchCount() => (Set.Count + BatchSize - 1) / BatchSize;

    /// <summary>Reads <paramref name="subset"/> (default: the whole set) in batches, in set order.</summary>
    /// <exception cref="CalibException">An image does not decode or does not fit the model input.</exception>
    public IEnumerable<LabelledBatch> Read(LabelledSet? subset = null)
    {
        var set = subset ?? Set;
        using var reader = BatchReader.Covering(set.Samples, Input.Layout, _preprocessing, BatchSize);
        var first = 0;
        foreach (var batch in reader.ReadBatches())
        {
            var count = (int)batch.Shape[0];
            var labels = Enumerable.Range(first, count).Select(i => set.Labels[i]).ToList();
            first += count;
            yield return Padded(batch, labels);
        }
    }

    // A model with a fixed batch cannot take the shorter last batch (BatchPadding).
    private LabelledBatch Padded(Batch batch, IReadOnlyList<int> labels)
    {
        if (Input.FixedBatch is not { } size) return new LabelledBatch(batch.Data, batch.Shape, labels);
        return new LabelledBatch(BatchPadding.Padded(batch.Data, batch.Shape[0], size), [size, .. batch.Shape[1..]], labels);
    }
}
