using Calib.Algorithms.Data;
using Calib.Graph;

namespace Calib.Algorithms.Ristretto;

/// <summary>
/// A labelled evaluation set (any form <see cref="LabelledSet"/> reads: MNIST IDX files, a labels.csv,
/// class sub-folders) held in memory as preprocessed model input, so that the many scorings of the
/// bit-width search decode it once.
/// </summary>
public sealed class LabelledImages
{
    private LabelledImages(float[] data, int[] labels, long[] sampleShape)
    {
        Data = data;
        Labels = labels;
        SampleShape = sampleShape;
    }

    /// <summary>The samples, N×C×H×W.</summary>
    public float[] Data { get; }

    /// <summary>The class index of each sample.</summary>
    public int[] Labels { get; }

    /// <summary>The shape of one sample, [C, H, W].</summary>
    public long[] SampleShape { get; }

    /// <summary>How many samples there are.</summary>
    public int Count => Labels.Length;

    /// <summary>The number of values in one sample.</summary>
    public int SampleSize => (int)(SampleShape[0] * SampleShape[1] * SampleShape[2]);

    /// <summary>
    /// Loads the first <paramref name="limit"/> samples of <paramref name="directory"/>, applying
    /// <paramref name="preprocessing"/> as the model expects for input <paramref name="layout"/>.
    /// </summary>
    /// <exception cref="CalibException">The folder is missing, holds no labelled data, or a file cannot be used.</exception>
    public static LabelledImages Open(string directory, int limit, InputLayout layout, Preprocessing preprocessing)
    {
        var set = LabelledSet.Open(directory);
        var count = Math.Min(limit, set.Count);
        using var reader = BatchReader.Covering(set.Samples.Select(Enumerable.Range(0, count)), layout, preprocessing, batchSize: 100);
        var data = new List<float>();
        long[] sampleShape = [];
        foreach (var batch in reader.ReadBatches())
        {
            data.AddRange(batch.Data);
            sampleShape = batch.Shape[1..];
        }
        return new LabelledImages([.. data], [.. set.Labels.Take(count)], sampleShape);
    }
}
