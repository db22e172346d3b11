using Calib.Graph;
using Calib.Graph.Ir;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Data;

/// <summary>
/// Calibration data given as tensors rather than images: a folder of .npz files keyed by input name
/// (any number of inputs), a folder of .npy files (a single-input model that is not an NCHW image
/// model), or one folder per input ("dirA;dirB", AMCT's --data-dir) of .npy or raw .bin files.
/// Image models keep the image path (images, and [C,H,W] .npy tensors with their preprocessing).
/// </summary>
public sealed class TensorCalibrationData
{
    private readonly IReadOnlyList<TensorInput> _inputs;
    private readonly IReadOnlyList<TensorFile> _files;
    private readonly string _location;

    private TensorCalibrationData(IReadOnlyList<TensorInput> inputs, IReadOnlyList<TensorFile> files, string location)
    {
        _inputs = inputs;
        _files = files;
        _location = location;
    }

    /// <summary>
    /// The tensor data <paramref name="calibrationSet"/> names for <paramref name="model"/>, or null when
    /// it is an image set for an image model (then <see cref="BatchReader"/> reads it).
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

    /// <summary>The batch size to feed: the requested one (1 when the model fixes its batch at 1), else 1.</summary>
    /// <exception cref="CalibException">The requested size is below 1, or above 1 for a model whose batch is fixed at 1.</exception>
    public int BatchSize(int? requested, string modelPath)
    {
        var fixedOne = _inputs.FirstOrDefault(i => i.FixedBatchOfOne);
        if (requested is > 1 && fixedOne is not null)
            throw new CalibException($"Model '{modelPath}' fixes the batch of input {fixedOne.Describe()} at 1: --batch-size {requested} does not fit. Leave --batch-size out or use 1.");
        return ModelInput.CheckBatchSize(requested ?? 1);
    }

    /// <summary>Reads exactly <paramref name="batchCount"/> batches of <paramref name="batchSize"/> samples, one file in memory at a time.</summary>
    /// <exception cref="CalibException">A file does not fit its input, or the files hold too few samples (when the reader reaches them).</exception>
    public IEnumerable<ModelFeed> ReadBatches(int batchSize, int batchCount)
    {
        ModelInput.CheckBatchSize(batchSize);
        if (batchCount < 1) throw new CalibException($"--batch-num {batchCount} is not a batch count: it must be at least 1.");
        return new TensorBatchReader(_inputs, _files, _location, batchSize, batchCount).ReadBatches();
    }
}
