using Calib.Graph;
using Calib.Graph.Ir;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Data;

/// <summary>
/// Calibration data given as tensors rather than images: a folder of .npz files keyed by input name
/// (any number of inputs), a folder of .npy files (a single-input model that is not an NCHW image
/// model), or one folder per input ("dirA;dirB", AMCT's --data-dir) of .npy or raw .bin files.
/// Image models keep the image path (images, and [C,H,W] .npy tensors with their preprocessing).
/// A sample is named by its file (per-input folders: the paired files) and its index in the file.
/// </summary>
public sealed class TensorCalibrationData : CalibrationData
{
    private readonly IReadOnlyList<TensorInput> _inputs;
    private readonly IReadOnlyList<TensorFile> _files;
    private readonly TensorBatchReader _reader;

    private TensorCalibrationData(IReadOnlyList<TensorInput> inputs, IReadOnlyList<TensorFile> files, string location) : base(location)
    {
        _inputs = inputs;
        _files = files;
        _reader = new TensorBatchReader(inputs, location);
    }

    /// <inheritdoc/>
    public override string Noun => "samples";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Files => _files.Select(f => f.Label).ToList();

    /// <inheritdoc/>
    public override bool FilesHoldOneSample => false;

    /// <summary>
    /// The tensor data <paramref name="calibrationSet"/> names for <paramref name="model"/>, or null when
    /// it is an image set (then <see cref="ImageCalibrationData"/> or <see cref="MixedCalibrationData"/> reads it).
    /// </summary>
    /// <param name="calibrationSet">A folder, or folders separated by ';' (one per input).</param>
    /// <param name="model">The model to feed.</param>
    /// <param name="modelPath">Its file, for messages.</param>
    /// <param name="options">--input-shape and --data-types for per-input folders; null when not given.</param>
    /// <exception cref="CalibException">The data does not fit the model: the message names the file, the input and what it takes.</exception>
    public static TensorCalibrationData? Open(string calibrationSet, OnnxModel model, string modelPath, TensorDataOptions? options = null)
    {
        var folders = calibrationSet.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var perInput = options?.Shapes is not null || options?.Types is not null || (folders.Length > 1 && !Directory.Exists(calibrationSet));
        if (perInput)
        {
            var inputs = TensorInput.Of(model, modelPath);
            return new(inputs, TensorFileSource.PerInputFolders(folders, inputs, options ?? new TensorDataOptions(null, null)), calibrationSet);
        }
        if (!Directory.Exists(calibrationSet)) return null; // the image path names the missing folder
        var options1 = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden };
        var files = Directory.EnumerateFiles(calibrationSet, "*", options1).ToList();
        if (files.Any(f => Path.GetExtension(f).Equals(".npz", StringComparison.OrdinalIgnoreCase)))
        {
            var others = files.Where(f => CalibrationSet.IsImage(f) || CalibrationSet.IsNpy(f)).Take(1).ToList();
            if (others.Count > 0)
                throw new CalibException($"Calibration folder '{calibrationSet}' mixes .npz files with images or .npy files (e.g. '{others[0]}'): keep one kind of calibration data per folder.");
            return new(TensorInput.Of(model, modelPath), TensorFileSource.NpzFolder(calibrationSet), calibrationSet);
        }
        if (files.Any(CalibrationSet.IsImage) || IsImageModel(model)) return null;
        var all = TensorInput.Of(model, modelPath);
        if (all.Count != 1)
            throw new CalibException(
                $"Model '{modelPath}' has {all.Count} inputs ({string.Join(", ", all.Select(i => i.Describe()))}): give its calibration data as .npz files keyed by input name, " +
                "or one folder per input with --data-dir \"dirA;dirB\".");
        if (!files.Any(CalibrationSet.IsNpy))
            throw new CalibException($"Calibration folder '{calibrationSet}' holds no .npy or .npz files for model input {all[0].Describe()}.");
        return new(all, TensorFileSource.NpyFolder(calibrationSet, all[0]), calibrationSet);
    }

    /// <summary>
    /// True when the model's only input is a float32 NCHW tensor with 1 or 3 fixed channels: images
    /// (and [C,H,W] .npy tensors) feed it through the preprocessing.
    /// </summary>
    public static bool IsImageModel(OnnxModel model)
    {
        var inputs = model.Graph.RuntimeInputs.ToList();
        if (inputs.Count != 1) return false;
        var info = Graph.Shapes.TensorInfoCatalog.FromDeclarations(model).Find(inputs[0].Name);
        return info is { ElementType: DataType.Float, Rank: 4 } && info.DimensionOrNull(1) is 1 or 3;
    }

    /// <inheritdoc/>
    /// <remarks>Tensor data ignores <paramref name="fallback"/>: samples of different shapes only batch one at a time, so without --batch-size it feeds 1.</remarks>
    public override int BatchSize(int? requested, int fallback, string modelPath) => CheckBatchSize(_inputs, requested ?? 1, modelPath);

    /// <summary>Returns <paramref name="size"/> when every input of <paramref name="inputs"/> takes it.</summary>
    /// <exception cref="CalibException">The size is below 1, or above 1 for a model whose batch is fixed at 1.</exception>
    internal static int CheckBatchSize(IReadOnlyList<TensorInput> inputs, int size, string modelPath)
    {
        var fixedOne = inputs.FirstOrDefault(i => i.FixedBatchOfOne);
        if (size > 1 && fixedOne is not null)
            throw new CalibException($"Model '{modelPath}' fixes the batch of input {fixedOne.Describe()} at 1: --batch-size {size} does not fit. Leave --batch-size out or use 1.");
        return ModelInput.CheckBatchSize(size);
    }

    /// <inheritdoc/>
    public override IEnumerable<ModelFeed> ReadBatches(int batchSize, int batchCount)
    {
        ModelInput.CheckBatchSize(batchSize);
        if (batchCount < 1) throw new CalibException($"--batch-num {batchCount} is not a batch count: it must be at least 1.");
        return _reader.Calibration(_files, batchSize, batchCount);
    }

    /// <inheritdoc/>
    public override IEnumerable<ModelFeed> Read(IReadOnlyList<SampleRun> runs, int batchSize, long limit = long.MaxValue)
    {
        var byLabel = _files.ToDictionary(f => f.Label, StringComparer.Ordinal);
        return _reader.Covering(runs.Select(r => (byLabel[r.File], r)), ModelInput.CheckBatchSize(batchSize), limit);
    }
}
