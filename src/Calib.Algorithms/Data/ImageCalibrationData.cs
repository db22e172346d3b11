using Calib.Graph;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Data;

/// <summary>
/// Images (and [C,H,W] .npy tensors) for a model with one NCHW input: decoded and preprocessed on
/// background threads by <see cref="BatchReader"/>, one sample per file.
/// </summary>
public sealed class ImageCalibrationData : CalibrationData
{
    private readonly CalibrationSet _set;
    private readonly ModelInput _input;
    private readonly string _modelPath;
    private readonly CalibrationDataOptions _options;

    private ImageCalibrationData(CalibrationSet set, ModelInput input, string modelPath, CalibrationDataOptions options) : base(set.Directory)
    {
        _set = set;
        _input = input;
        _modelPath = modelPath;
        _options = options;
    }

    /// <inheritdoc/>
    public override string Noun => _set.Samples.HasImages ? "images" : "samples";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Files => _set.Files;

    /// <inheritdoc/>
    public override bool FilesHoldOneSample => true;

    /// <inheritdoc/>
    public override (string Input, long Size)? FixedBatch => _input.FixedBatch is > 1 and var size ? (_input.Name, size) : null;

    /// <summary>Opens the image folder <paramref name="folder"/> for <paramref name="model"/>.</summary>
    /// <exception cref="CalibException">The folder is missing or empty, or the model has not exactly one NCHW input.</exception>
    public static ImageCalibrationData FromFolder(string folder, OnnxModel model, string modelPath, CalibrationDataOptions options) =>
        new(CalibrationSet.Open(folder), ModelInput.Of(model, modelPath), modelPath, options);

    /// <inheritdoc/>
    public override int BatchSize(int? requested, int fallback, string modelPath) => _input.BatchSize(requested, fallback, modelPath);

    /// <inheritdoc/>
    public override IEnumerable<ModelFeed> ReadBatches(int batchSize, int batchCount)
    {
        using var reader = new BatchReader(_set, _input.Layout, _options.Preprocessing, batchSize, batchCount, ReaderOptions);
        var batches = _set.Samples.HasImages ? CheckingRawPixels(reader.ReadBatches(), _options, _modelPath) : reader.ReadBatches();
        foreach (var batch in batches) yield return ModelFeed.Of(batch, _input.Name);
    }

    /// <inheritdoc/>
    public override IEnumerable<ModelFeed> Read(IReadOnlyList<SampleRun> runs, int batchSize, long limit = long.MaxValue)
    {
        if (OneSampleFiles(runs, limit) is not { } files) yield break;
        using var reader = BatchReader.Covering(files, _input.Layout, _options.Preprocessing, batchSize, ReaderOptions);
        foreach (var batch in reader.ReadBatches()) yield return ModelFeed.Of(batch, _input.Name);
    }

    private BatchReaderOptions ReaderOptions => new() { SkipUndecodable = _options.SkipUndecodable, Warn = _options.Warn };
}
