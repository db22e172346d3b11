using Calib.Algorithms.Data;
using Calib.Graph;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Evaluation;

/// <summary>
/// The inputs a fidelity measurement compares the models on, read once and kept (a bounded number:
/// <see cref="FidelitySettings.Samples"/>): by default the calibration files after the ones calibration
/// used, spread evenly; else the files of <see cref="FidelitySettings.Set"/>.
/// </summary>
public sealed class FidelityData
{
    private FidelityData(IReadOnlyList<InputBatch> batches, int samples, string location, FidelitySource source)
    {
        Batches = batches;
        Samples = samples;
        Location = location;
        Source = source;
    }

    /// <summary>The batches, padded to a model's fixed batch.</summary>
    public IReadOnlyList<InputBatch> Batches { get; }

    /// <summary>Number of real samples.</summary>
    public int Samples { get; }

    /// <summary>The folder read.</summary>
    public string Location { get; }

    /// <summary>Whether the samples were held out from calibration.</summary>
    public FidelitySource Source { get; }

    /// <summary>Chooses and reads the fidelity samples for <paramref name="model"/>.</summary>
    /// <param name="model">The float model (its input decides the layout and a fixed batch).</param>
    /// <param name="modelPath">Its file, for messages.</param>
    /// <param name="calibrationSet">The calibration folder.</param>
    /// <param name="calibrationSamples">How many of its files (in set order) calibration read.</param>
    /// <param name="preprocessing">The calibration's preprocessing.</param>
    /// <param name="batchSize">Requested batch size; null uses the model's fixed batch, else 32.</param>
    /// <param name="settings">The fidelity settings.</param>
    /// <exception cref="CalibException">The fidelity set is missing or empty, a file does not decode, or the sample count is below 1.</exception>
    public static FidelityData Open(OnnxModel model, string modelPath, string calibrationSet, long calibrationSamples,
        Preprocessing preprocessing, int? batchSize, FidelitySettings settings)
    {
        if (settings.Samples < 1) throw new CalibException($"--fidelity-samples {settings.Samples} must be at least 1.");
        var (candidates, source) = Candidates(calibrationSet, calibrationSamples, settings.Set);
        return Read(model, modelPath, candidates, source, preprocessing, batchSize, settings.Samples);
    }

    /// <summary>Reads at most <paramref name="samples"/> of the first <paramref name="used"/> files of the calibration set (those calibration read), spread evenly.</summary>
    /// <exception cref="CalibException">A file does not decode.</exception>
    public static FidelityData CalibrationImages(OnnxModel model, string modelPath, string calibrationSet, long used, Preprocessing preprocessing,
        int? batchSize, int samples)
    {
        var all = CalibrationSet.Open(calibrationSet).Samples;
        var read = all.Select(Enumerable.Range(0, (int)Math.Min(used, all.Items.Count)));
        return Read(model, modelPath, read, FidelitySource.CalibrationImages, preprocessing, batchSize, samples);
    }

    /// <summary>Reads at most <paramref name="samples"/> files of <paramref name="folder"/>, spread evenly, for <paramref name="model"/>.</summary>
    /// <param name="model">The float model (its input decides the layout and a fixed batch).</param>
    /// <param name="modelPath">Its file, for messages.</param>
    /// <param name="folder">A folder of images or .npy tensors, searched recursively.</param>
    /// <param name="preprocessing">How images become input tensors.</param>
    /// <param name="batchSize">Requested batch size; null uses the model's fixed batch, else 32.</param>
    /// <param name="samples">The most samples to read.</param>
    /// <param name="option">The flag that named the folder, for messages.</param>
    /// <exception cref="CalibException">The folder is missing or empty, or a file does not decode.</exception>
    public static FidelityData ReadFolder(OnnxModel model, string modelPath, string folder, Preprocessing preprocessing, int? batchSize, int samples,
        string option)
    {
        if (samples < 1) throw new CalibException($"--layer-samples {samples} must be at least 1.");
        if (!Directory.Exists(folder))
            throw new CalibException($"Folder '{folder}' does not exist: pass {option} with a folder of images or .npy tensors.");
        return Read(model, modelPath, CalibrationSet.Open(folder).Samples, FidelitySource.Folder, preprocessing, batchSize, samples);
    }

    private static FidelityData Read(OnnxModel model, string modelPath, SampleList candidates, FidelitySource source, Preprocessing preprocessing,
        int? batchSize, int samples)
    {
        var chosen = Spread(candidates, samples);
        var input = ModelInput.Of(model, modelPath);
        var size = input.BatchSize(batchSize, EvaluationSettings.DefaultBatchSize, modelPath);
        using var reader = BatchReader.Covering(chosen, input.Layout, preprocessing, size);
        var batches = reader.ReadBatches().Select(b => Padded(b, input.FixedBatch)).ToList();
        return new FidelityData(batches, chosen.Items.Count, candidates.Location, source);
    }

    private static (SampleList Samples, FidelitySource Source) Candidates(string calibrationSet, long used, string? fidelitySet)
    {
        if (fidelitySet is not null)
        {
            if (!Directory.Exists(fidelitySet))
                throw new CalibException($"Fidelity folder '{fidelitySet}' does not exist: pass --fidelity-set with a folder of images or .npy tensors like the calibration set.");
            return (CalibrationSet.Open(fidelitySet).Samples, FidelitySource.Folder);
        }
        var all = CalibrationSet.Open(calibrationSet).Samples;
        return used < all.Items.Count
            ? (all.Select(Enumerable.Range((int)used, all.Items.Count - (int)used)), FidelitySource.HeldOut)
            : (all, FidelitySource.CalibrationImages);
    }

    private static SampleList Spread(SampleList samples, int count)
    {
        var total = samples.Items.Count;
        return count >= total ? samples : samples.Select(Enumerable.Range(0, count).Select(i => (int)((long)i * total / count)));
    }

    // A model with a fixed batch cannot take the shorter last batch: zeros fill it up.
    private static InputBatch Padded(Batch batch, long? fixedBatch)
    {
        var count = (int)batch.Shape[0];
        if (fixedBatch is not { } size || count == size) return new InputBatch(batch.Data, batch.Shape, count);
        var data = new float[batch.Data.Length / count * size];
        batch.Data.CopyTo(data, 0);
        return new InputBatch(data, [size, .. batch.Shape[1..]], count);
    }
}
