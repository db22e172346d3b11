namespace Calib.Graph.Execution;

/// <summary>Where ONNX Runtime runs the model.</summary>
public enum ExecutionDevice
{
    /// <summary>ONNX Runtime's CPU execution provider (the default).</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA execution provider; needs the CUDA build of the native runtime.</summary>
    Cuda,
}

/// <summary>How a <see cref="ModelRunner"/> builds its ONNX Runtime session.</summary>
public sealed record ExecutionOptions
{
    /// <summary>The execution provider.</summary>
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;

    /// <summary>CUDA device ordinal when <see cref="Device"/> is CUDA.</summary>
    public int DeviceId { get; init; }

    /// <summary>Intra-op threads; 0 lets ONNX Runtime choose (on small VMs it may use a single thread).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Apply ONNX Runtime's graph optimizations (fusions). Observing intermediate tensors does not
    /// need them off: a tensor that is a graph output is kept by every optimization.
    /// </summary>
    public bool Optimize { get; init; } = true;

    /// <summary>
    /// Let idle intra-op worker threads spin waiting for work (ONNX Runtime's default). Off for timing two
    /// sessions side by side, where one session's spinning threads would slow the other.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>When set, ONNX Runtime writes its optimized graph here (to check which kernels it fused).</summary>
    public string? OptimizedModelPath { get; init; }

    /// <summary>The default: CPU, all optimizations.</summary>
    public static ExecutionOptions Default { get; } = new();
}
