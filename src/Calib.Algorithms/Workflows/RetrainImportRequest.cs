using Calib.Algorithms.Data;
using Calib.Graph.Execution;

namespace Calib.Algorithms.Workflows;

/// <summary>What <c>calib retrain import</c> needs.</summary>
public sealed record RetrainImportRequest
{
    /// <summary>The fine-tuned QDQ ONNX (e.g. exported from PyTorch with fake quantization).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Where the outputs go.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>
    /// A <c>_retrain_config.json</c> from <c>calib retrain export</c>: ranges for deploy-model tensors
    /// the fine-tuned model does not quantize itself.
    /// </summary>
    public string? RangesPath { get; init; }

    /// <summary>Calibration images to measure deploy-model tensors that have no learned range (wins over <see cref="RangesPath"/>).</summary>
    public string? CalibrationSet { get; init; }

    /// <summary>Preprocessing of <see cref="CalibrationSet"/> and the eval set; null takes the export's (from <see cref="RangesPath"/>), else none.</summary>
    public Preprocessing? Preprocessing { get; init; }

    /// <summary>Batches of <see cref="CalibrationSet"/> to use.</summary>
    public int BatchNum { get; init; } = Configuration.QuantConfig.DefaultBatchNum;

    /// <summary>Images per batch; null uses the model's fixed batch, else 1.</summary>
    public int? BatchSize { get; init; }

    /// <summary>A labelled set: when given, the accuracy report (docs/REPORT.md) is written beside the outputs.</summary>
    public string? EvalSet { get; init; }

    /// <summary>ONNX Runtime device and threads.</summary>
    public ExecutionOptions Execution { get; init; } = ExecutionOptions.Default;
}
