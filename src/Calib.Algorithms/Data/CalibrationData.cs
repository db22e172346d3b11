using Calib.Graph;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Data;

/// <summary>
/// A model's calibration data in any form calib reads, as model feeds (a tensor for every input):
/// images for a single-input image model (<see cref="ImageCalibrationData"/>); tensors — .npy, .npz
/// keyed by input name, one folder per input (<see cref="TensorCalibrationData"/>); or images for the
/// image input of a multi-input model with .npz files for the rest, paired by file stem
/// (<see cref="MixedCalibrationData"/>). Calibration reads its batches in file order; the checks after
/// it read chosen samples again by identity (<see cref="SampleRun"/>).
/// </summary>
public abstract class CalibrationData
{
    private protected CalibrationData(string location) => Location = location;

    /// <summary>The data as given (a folder, or folders separated by ';').</summary>
    public string Location { get; }

    /// <summary>What one sample is called in messages: "images" when the samples are images, else "samples".</summary>
    public abstract string Noun { get; }

    /// <summary>Every file (or paired per-input files) in reading order, by the names <see cref="SampleRun.File"/> uses.</summary>
    public abstract IReadOnlyList<string> Files { get; }

    /// <summary>True when every file is one sample (images); false when a file may hold a batch.</summary>
    public abstract bool FilesHoldOneSample { get; }

    /// <summary>The input whose batch the model fixes above 1, and that batch: a shorter batch of it must be padded; null when none.</summary>
    public virtual (string Input, long Size)? FixedBatch => null;

    /// <summary>The batch size to feed: the requested one when the model allows it, else the model's fixed batch, else <paramref name="fallback"/> (tensor data: 1, as samples may differ in shape).</summary>
    /// <exception cref="CalibException">The requested size does not fit the model.</exception>
    public abstract int BatchSize(int? requested, int fallback, string modelPath);

    /// <summary>Calibration's read: exactly <paramref name="batchCount"/> batches of <paramref name="batchSize"/> samples, in file order, one batch in memory at a time.</summary>
    /// <exception cref="CalibException">A file is unusable or the data holds too few samples (when the reader reaches them).</exception>
    public abstract IEnumerable<ModelFeed> ReadBatches(int batchSize, int batchCount);

    /// <summary>
    /// The samples of <paramref name="runs"/>, in order, at most <paramref name="limit"/>, in batches of
    /// <paramref name="batchSize"/> (the last holds the rest). Images that do not decode are skipped when
    /// the data was opened to skip them.
    /// </summary>
    /// <exception cref="CalibException">A file is unusable.</exception>
    public abstract IEnumerable<ModelFeed> Read(IReadOnlyList<SampleRun> runs, int batchSize, long limit = long.MaxValue);

    /// <summary>Opens <paramref name="location"/> as calibration data for <paramref name="model"/>, in whichever form it takes.</summary>
    /// <param name="location">A folder, or folders separated by ';'.</param>
    /// <param name="model">The model to feed.</param>
    /// <param name="modelPath">Its file, for messages.</param>
    /// <param name="options">Preprocessing, per-input folder details, skipping.</param>
    /// <exception cref="CalibException">The data does not fit the model: the message names the file, the input and the fix.</exception>
    public static CalibrationData Open(string location, OnnxModel model, string modelPath, CalibrationDataOptions options) =>
        MixedCalibrationData.TryOpen(location, model, modelPath, options)
        ?? TensorCalibrationData.Open(location, model, modelPath, options.TensorData)
        ?? (CalibrationData)ImageCalibrationData.FromFolder(location, model, modelPath, options);

    /// <summary>Checks that every folder <paramref name="location"/> names exists, before it is opened for a flag other than --calib-set.</summary>
    /// <param name="location">A folder, or folders separated by ';'.</param>
    /// <param name="option">The flag that named it, for the message.</param>
    /// <exception cref="CalibException">A folder does not exist.</exception>
    public static void CheckExists(string location, string option)
    {
        if (Directory.Exists(location)) return;
        var folders = location.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var missing = folders.Length == 0 ? location : folders.FirstOrDefault(folder => !Directory.Exists(folder));
        if (missing is not null)
            throw new CalibException($"Folder '{missing}' does not exist: pass {option} with data in a form --calib-set takes (images, .npy or .npz files; \"images;extras\" or one folder per input).");
    }

    /// <summary>The files of <paramref name="runs"/> that hold one sample each (an image is sample 0 of its file), at most <paramref name="limit"/>; null when none.</summary>
    private protected SampleList? OneSampleFiles(IReadOnlyList<SampleRun> runs, long limit)
    {
        var files = runs.Where(r => r.Start == 0 && r.Count != 0).Select(r => (SampleItem)new SampleFile(r.File))
            .Take((int)Math.Min(limit, int.MaxValue)).ToList();
        return files.Count == 0 ? null : new SampleList(Location, files);
    }

    /// <summary>Raises a warning when a folder's image input looks like raw pixels, once the batches are read.</summary>
    private protected static IEnumerable<Batch> CheckingRawPixels(IEnumerable<Batch> batches, CalibrationDataOptions options, string modelPath)
    {
        if (!options.CheckRawPixels) return batches;
        return Checked();

        IEnumerable<Batch> Checked()
        {
            var range = new InputRange();
            foreach (var batch in range.Track(batches)) yield return batch;
            if (RawPixelCheck.Warning(range.Min, range.Max, preprocessingGiven: false) is { } warning)
                options.Warn?.Invoke($"'{modelPath}': {warning}");
        }
    }
}
