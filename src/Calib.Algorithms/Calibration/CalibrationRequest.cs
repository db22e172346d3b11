using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Graph.Execution;
using Calib.Graph.Passes;

namespace Calib.Algorithms.Calibration;

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

    /// <summary>Number of batches (AMCT's batch_num).</summary>
    public required int BatchNum { get; init; }

    /// <summary>Images per batch; null uses the model's fixed batch size, else 1.</summary>
    public int? BatchSize { get; init; }

    /// <summary>
    /// How images become input tensors; null uses the preprocessing the model carries (a Caffe
    /// train/test net's transform_param), else none.
    /// </summary>
    public Preprocessing? Preprocessing { get; init; }

    /// <summary>Per-layer settings; null quantizes every quantizable layer with <see cref="Defaults"/>.</summary>
    public QuantConfig? Config { get; init; }

    /// <summary>Settings for layers the config does not list, and for deploy-only tensors.</summary>
    public required LayerQuantSettings Defaults { get; init; }

    /// <summary>Graph preparation (AMCT's do_fusion).</summary>
    public GraphPreparation.Options Preparation { get; init; } = new();

    /// <summary>Where the outputs go.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>ONNX Runtime device and threads.</summary>
    public ExecutionOptions Execution { get; init; } = ExecutionOptions.Default;

    /// <summary>Skip images that do not decode (with a warning) instead of failing.</summary>
    public bool SkipUndecodable { get; init; }
}
