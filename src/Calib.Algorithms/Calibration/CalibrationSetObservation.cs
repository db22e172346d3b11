using Calib.Algorithms.Data;
using Calib.Graph.Execution;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Calibration;

/// <summary>How a calibration set is read and fed to observe tensors.</summary>
/// <param name="ModelPath">The model file, for messages.</param>
/// <param name="CalibrationSet">The calibration data: a folder, or folders separated by ';' (see <see cref="CalibrationData"/>).</param>
/// <param name="Preprocessing">How images become input tensors.</param>
/// <param name="BatchSize">Samples per batch; null uses the model's fixed batch size, else 1.</param>
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

    /// <summary>Opens the calibration set as data for <paramref name="model"/>, in whichever form it takes.</summary>
    /// <param name="model">The model to feed.</param>
    /// <param name="warn">Receives warnings (skipped images, raw pixels).</param>
    public CalibrationData Open(OnnxModel model, Action<string>? warn = null) =>
        CalibrationData.Open(CalibrationSet, model, ModelPath, new CalibrationDataOptions
        {
            Preprocessing = Preprocessing,
            TensorData = TensorData,
            SkipUndecodable = SkipUndecodable,
            CheckRawPixels = CheckRawPixels,
            Warn = warn,
        });

    /// <summary>
    /// Streams <paramref name="data"/> through <paramref name="model"/> and returns the statistics of
    /// <paramref name="tensors"/> and which samples were fed: batches are read and observed one at a time.
    /// </summary>
    /// <param name="data">The calibration data (see <see cref="Open"/>).</param>
    /// <param name="model">The model to run.</param>
    /// <param name="tensors">The tensors to observe.</param>
    /// <param name="describe">Names a tensor's role for error messages (e.g. "input of layer conv1").</param>
    /// <param name="onBatch">Progress: (batches done, batches in all).</param>
    public ActivationStatistics Observe(CalibrationData data, OnnxModel model, IReadOnlyList<string> tensors, Func<string, string> describe,
        Action<int, int>? onBatch = null) =>
        ActivationStatistics.Collect(model, tensors, data.ReadBatches(data.BatchSize(BatchSize, fallback: 1, ModelPath), BatchNum),
            Execution, describe, done => onBatch?.Invoke(done, BatchNum));
}
