using Calib.Algorithms.Data;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.IO;

namespace Calib.Algorithms.Evaluation;

/// <summary>
/// The inputs a fidelity measurement compares the models on, read once and kept (a bounded number):
/// the calibration samples calibration did not feed (held out), the ones it fed (for the range choice,
/// or in-sample when none is left), or the samples of a folder given for the purpose. Samples are chosen
/// by identity (<see cref="SampleRun"/>), in any form calibration data takes, and fed as every model input.
/// The float model's outputs on them are computed once and reused for every candidate compared.
/// </summary>
public sealed class FidelityData
{
    private readonly Dictionary<(OnnxModel Model, string Names), IReadOnlyList<float[][]>> _referenceOutputs = [];

    private FidelityData(IReadOnlyList<InputBatch> batches, IReadOnlyList<SampleRun> measured, string location, string noun, FidelitySource source)
    {
        Batches = batches;
        Measured = measured;
        Samples = batches.Sum(b => b.Count);
        Location = location;
        Noun = noun;
        Source = source;
    }

    /// <summary>The batches, padded to a model's fixed batch.</summary>
    public IReadOnlyList<InputBatch> Batches { get; }

    /// <summary>The samples read, by identity, in order.</summary>
    public IReadOnlyList<SampleRun> Measured { get; }

    /// <summary>Number of real samples.</summary>
    public int Samples { get; }

    /// <summary>The data read (a folder, or folders separated by ';').</summary>
    public string Location { get; }

    /// <summary>What the samples are called: "images" when they are images, else "samples".</summary>
    public string Noun { get; }

    /// <summary>Whether the samples were held out from calibration.</summary>
    public FidelitySource Source { get; }

    /// <summary>
    /// At most <paramref name="samples"/> of the calibration samples calibration did not feed nor skip, spread
    /// over them; when none is left, the fed ones (in-sample). With <paramref name="fidelitySet"/>, its samples instead.
    /// </summary>
    /// <param name="calibration">The calibration data.</param>
    /// <param name="fed">What calibration fed and skipped.</param>
    /// <param name="fidelitySet">The --fidelity-set data, opened for the same model; null to hold out calibration samples.</param>
    /// <param name="batchSize">Requested batch size; null uses the model's fixed batch, else 32 (tensor data: 1).</param>
    /// <param name="modelPath">The model file, for messages.</param>
    /// <param name="samples">The most samples to read.</param>
    /// <exception cref="CalibException">A file does not fit the model, or the sample count is below 1.</exception>
    public static FidelityData Open(CalibrationData calibration, FedSamples fed, CalibrationData? fidelitySet, int? batchSize, string modelPath,
        int samples)
    {
        if (samples < 1) throw new CalibException($"--fidelity-samples {samples} must be at least 1.");
        if (fidelitySet is not null) return Folder(fidelitySet, batchSize, modelPath, samples);
        var heldOut = Read(calibration, Spread(fed.NotFed(calibration.Files, calibration.FilesHoldOneSample), samples), FidelitySource.HeldOut,
            batchSize, modelPath, samples);
        return heldOut.Samples > 0 ? heldOut : Calibration(calibration, fed, batchSize, modelPath, samples);
    }

    /// <summary>At most <paramref name="samples"/> of the samples calibration fed, spread evenly over them (in-sample).</summary>
    /// <exception cref="CalibException">A file does not fit the model.</exception>
    public static FidelityData Calibration(CalibrationData calibration, FedSamples fed, int? batchSize, string modelPath, int samples) =>
        Read(calibration, fed.Spread(samples), FidelitySource.CalibrationSamples, batchSize, modelPath, samples);

    /// <summary>At most <paramref name="samples"/> samples of <paramref name="data"/>, spread over its files.</summary>
    /// <exception cref="CalibException">A file does not fit the model, or the sample count is below 1.</exception>
    public static FidelityData Folder(CalibrationData data, int? batchSize, string modelPath, int samples)
    {
        if (samples < 1) throw new CalibException($"--layer-samples {samples} must be at least 1.");
        return Read(data, Spread(data.Files.Select(f => new SampleRun(f)).ToList(), samples), FidelitySource.Folder, batchSize, modelPath, samples);
    }

    /// <summary>
    /// The float values of <paramref name="names"/> when <paramref name="model"/> runs on each batch, computed on
    /// the first call and kept: the float model runs once however many candidates are compared with it.
    /// </summary>
    internal IReadOnlyList<float[][]> ReferenceOutputs(OnnxModel model, IReadOnlyList<string> names, ExecutionOptions execution)
    {
        var key = (model, string.Join('\n', names));
        if (_referenceOutputs.TryGetValue(key, out var cached)) return cached;
        using var runner = ModelRunner.Create(model, execution, names);
        var outputs = Batches.Select(batch => ModelComparison.Outputs(runner, batch, names)).ToList();
        _referenceOutputs[key] = outputs;
        return outputs;
    }

    // One sample from each of `count` candidates spread over them, or every candidate (then the read stops at the limit).
    private static List<SampleRun> Spread(IReadOnlyList<SampleRun> candidates, int count) => candidates.Count <= count
        ? [.. candidates]
        : SampleSpread.Indices(candidates.Count, count).Select(i => candidates[(int)i] with { Count = 1 }).ToList();

    private static FidelityData Read(CalibrationData data, IReadOnlyList<SampleRun> runs, FidelitySource source, int? batchSize, string modelPath,
        int samples)
    {
        var size = data.BatchSize(batchSize, EvaluationSettings.DefaultBatchSize, modelPath);
        var feeds = data.Read(runs, size, samples).ToList();
        var batches = feeds.Select(feed => Padded(feed, data.FixedBatch)).ToList();
        return new FidelityData(batches, feeds.SelectMany(f => f.Runs).ToList(), data.Location, data.Noun, source);
    }

    // A model with a fixed batch cannot take the shorter last batch: zeros fill it up.
    private static InputBatch Padded(ModelFeed feed, (string Input, long Size)? fixedBatch)
    {
        var count = (int)feed.Samples;
        if (fixedBatch is not { } fixedInput || count == fixedInput.Size) return new InputBatch(feed.Inputs, count, count);
        var inputs = new Dictionary<string, TypedArray>(feed.Inputs, StringComparer.Ordinal);
        var array = inputs[fixedInput.Input];
        inputs[fixedInput.Input] = array with { Shape = [fixedInput.Size, .. array.Shape[1..]], Data = BatchPadding.Padded(array.Data, count, fixedInput.Size) };
        return new InputBatch(inputs, fixedInput.Size, count);
    }
}
