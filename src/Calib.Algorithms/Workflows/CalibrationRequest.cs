using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Placement;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Preparation;
using Calib.Graph.Execution;
using Calib.Graph.Operators;

namespace Calib.Algorithms.Workflows;

/// <summary>Everything a calibration run needs (what <c>calib run</c> collects from its flags).</summary>
public sealed record CalibrationRequest
{
    /// <summary>The float model: an .onnx file, or a Caffe prototxt with <see cref="WeightsPath"/>.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The Caffe caffemodel when <see cref="ModelPath"/> is a prototxt; null for ONNX.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>The shape of a Caffe model's input when its prototxt does not state it (data layers).</summary>
    public long[]? InputShape { get; init; }

    /// <summary>The calibration image folder.</summary>
    public required string CalibrationSet { get; init; }

    /// <summary>
    /// For one data folder per input (<see cref="CalibrationSet"/> = "dirA;dirB", AMCT's --data-dir): the
    /// --input-shape and --data-types that pair each folder with an input and describe its raw .bin files; null when not given.
    /// </summary>
    public TensorDataOptions? TensorData { get; init; }

    /// <summary>Images per batch; null uses the model's fixed batch size, else 1.</summary>
    public int? BatchSize { get; init; }

    /// <summary>
    /// How images become input tensors; null uses the preprocessing the model carries (a Caffe
    /// train/test net's transform_param), else none.
    /// </summary>
    public Preprocessing? Preprocessing { get; init; }

    /// <summary>A configuration file (AMCT detailed JSON or simplified .cfg); null quantizes every quantizable layer with AMCT's defaults.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Settings from the command line, applied over the configuration file.</summary>
    public SettingOverrides Overrides { get; init; } = new();

    /// <summary>Where the outputs go.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>ONNX Runtime device and threads.</summary>
    public ExecutionOptions Execution { get; init; } = ExecutionOptions.Default;

    /// <summary>Skip images that do not decode (with a warning) instead of failing.</summary>
    public bool SkipUndecodable { get; init; }

    /// <summary>
    /// How long to time the deploy model against the float model after calibrating (written to
    /// <c>&lt;model&gt;_speed.json</c>); null measures nothing. <c>calib run</c> measures unless --no-speed.
    /// </summary>
    public LatencyBudget? Speed { get; init; }

    /// <summary>
    /// What layer placement optimizes: <see cref="OptimizationGoal.Accuracy"/> (the default) quantizes every
    /// quantizable layer; <see cref="OptimizationGoal.Speed"/> keeps float the layer groups and single layers measured
    /// slower in int8, and every layer when the placed model is not faster than float (see <see cref="SpeedPlacement"/>).
    /// </summary>
    public OptimizationGoal OptimizeFor { get; init; } = OptimizationGoal.Accuracy;

    /// <summary>
    /// With <see cref="OptimizationGoal.Speed"/>: a timings file, replayed when it exists (no timing, so
    /// the same placement and outputs every time), written with the measured timings when it does not.
    /// </summary>
    public string? TimingsPath { get; init; }

    /// <summary>
    /// The label-free fidelity check after calibration (and its --min-cosine / --min-sqnr target); null
    /// skips it (--no-fidelity).
    /// </summary>
    public FidelitySettings? Fidelity { get; init; } = new();

    /// <summary>
    /// When biases are corrected for the mean shift quantization causes (<see cref="Calibration.BiasCorrection"/>):
    /// by default tried with the range choice and kept when it pays; always with --bias-correction; never with --no-bias-correction.
    /// </summary>
    public BiasCorrectionMode BiasCorrection { get; init; } = BiasCorrectionMode.Auto;

    /// <summary>
    /// Equalize the weight ranges of consecutive layers before calibrating (<c>--equalize</c>, cross-layer equalization):
    /// the float model's outputs stay the same, and the rescaled weights are the ones quantized and written. Off by default.
    /// </summary>
    public bool Equalize { get; init; }

    /// <summary>The quantizable operator kinds.</summary>
    public OperatorRegistry Operators { get; init; } = OperatorRegistry.Default;

    /// <summary>The model files.</summary>
    public ModelSource Source => new(ModelPath, WeightsPath, InputShape);
}
