using Calib.Algorithms.Data;
using Calib.Graph.Execution;

namespace Calib.Algorithms.Evaluation;

/// <summary>How a layer's sensitivity is measured: with only that layer quantized, …</summary>
public enum SensitivityMeasure
{
    /// <summary>… the SQNR of the model output against the float model's, on the layer samples (fast).</summary>
    Sqnr,

    /// <summary>… the top-1 accuracy on the whole evaluation set (one full pass per layer).</summary>
    Accuracy,
}

/// <summary>The settings of an evaluation (what <c>calib eval</c> takes besides the models and the set).</summary>
public sealed record EvaluationSettings
{
    /// <summary>calib's batch size for models without a fixed batch.</summary>
    public const int DefaultBatchSize = 32;

    /// <summary>calib's default number of layer samples.</summary>
    public const int DefaultLayerSamples = 64;

    /// <summary>How images become input tensors (the model's training preprocessing).</summary>
    public Preprocessing Preprocessing { get; init; } = new();

    /// <summary>Images per batch; null uses the model's fixed batch, else <see cref="DefaultBatchSize"/>.</summary>
    public int? BatchSize { get; init; }

    /// <summary>ONNX Runtime device and threads.</summary>
    public ExecutionOptions Execution { get; init; } = ExecutionOptions.Default;

    /// <summary>Evaluate only this many images, spread evenly over the set; null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>Images (spread over the set) on which per-layer errors and output SQNR are measured.</summary>
    public int LayerSamples { get; init; } = DefaultLayerSamples;

    /// <summary>How sensitivity is measured.</summary>
    public SensitivityMeasure Sensitivity { get; init; } = SensitivityMeasure.Sqnr;
}

/// <summary>Progress of an evaluation stage.</summary>
/// <param name="Stage">What is being done, e.g. "float model" or "sensitivity /conv1/Conv".</param>
/// <param name="Done">Batches done.</param>
/// <param name="Total">Batches in the stage.</param>
public sealed record EvaluationProgress(string Stage, int Done, int Total);
