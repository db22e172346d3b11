using Calib.Algorithms.Data;
using Calib.Graph.Execution;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Calibration;

/// <summary>How a calibration image set is read and fed to observe tensors.</summary>
/// <param name="ModelPath">The model file, for messages.</param>
/// <param name="CalibrationSet">The calibration image folder.</param>
/// <param name="Preprocessing">How images become input tensors.</param>
/// <param name="BatchSize">Images per batch; null uses the model's fixed batch size, else 1.</param>
/// <param name="BatchNum">How many batches to observe.</param>
/// <param name="Execution">ONNX Runtime device and threads.</param>
/// <param name="SkipUndecodable">Skip images that do not decode (with a warning) instead of failing.</param>
/// <param name="TensorData">--input-shape and --data-types for per-input data folders; null when not given.</param>
public sealed record CalibrationSetObservation(
    string ModelPath, string CalibrationSet, Preprocessing Preprocessing, int? BatchSize, int BatchNum,
    ExecutionOptions Execution, bool SkipUndecodable = false, TensorDataOptions? TensorData = null)
{
    /// <summary>Measure the image input and warn when it looks like raw pixels (see <see cref="RawPixelCheck"/>); for runs given no preprocessing.</summary>
    public bool CheckRawPixels { get; init; }

    /// <summary>True when the set is read as tensors for <paramref name="model"/> (.npz, per-input folders, .npy for a non-image model), not as images.</summary>
    public bool IsTensorData(OnnxModel model) => TensorCalibrationData.Open(CalibrationSet, model, ModelPath, TensorData) is not null;

    /// <summary>
    /// Streams the set through <paramref name="model"/> and returns the statistics of <paramref name="tensors"/>:
    /// images are decoded on background threads, batches are observed one at a time.
    /// </summary>
    /// <param name="model">The model to run.</param>
    /// <param name="tensors">The tensors to observe.</param>
    /// <param name="describe">Names a tensor's role for error messages (e.g. "input of layer conv1").</param>
    /// <param name="onBatch">Progress: (batches done, batches in all).</param>
    /// <param name="warn">Receives warnings (skipped images).</param>
    public ActivationStatistics Observe(OnnxModel model, IReadOnlyList<string> tensors, Func<string, string> describe,
        Action<int, int>? onBatch = null, Action<string>? warn = null)
    {
        // Tensor data (.npz, per-input folders, .npy for non-image models) feeds every input as it is.
        if (TensorCalibrationData.Open(CalibrationSet, model, ModelPath, TensorData) is { } data)
            return ActivationStatistics.Collect(model, tensors, data.ReadBatches(data.BatchSize(BatchSize, ModelPath), BatchNum),
                Execution, describe, done => onBatch?.Invoke(done, BatchNum));
        var input = ModelInput.Of(model, ModelPath);
        var batchSize = input.BatchSize(BatchSize, fallback: 1, ModelPath);
        var set = Data.CalibrationSet.Open(CalibrationSet);
        using var reader = new BatchReader(set, input.Layout, Preprocessing, batchSize, BatchNum,
            new BatchReaderOptions { SkipUndecodable = SkipUndecodable, Warn = warn });
        var range = CheckRawPixels && set.Samples.HasImages ? new InputRange() : null;
        var statistics = ActivationStatistics.Collect(model, tensors, range?.Track(reader.ReadBatches()) ?? reader.ReadBatches(), Execution,
            describe, done => onBatch?.Invoke(done, BatchNum));
        if (range is not null && RawPixelCheck.Warning(range.Min, range.Max, preprocessingGiven: false) is { } warning)
            warn?.Invoke($"'{ModelPath}': {warning}");
        return statistics;
    }
}
