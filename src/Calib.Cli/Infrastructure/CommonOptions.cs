using System.CommandLine;
using System.Globalization;

namespace Calib.Cli.Infrastructure;

/// <summary>Options shared by several commands, so that they are spelled the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "The float model: an .onnx file, or a Caffe .prototxt with --weights.",
        Required = true,
    };

    public static Option<string> Device() => new("--device")
    {
        Description = $"Execution device: cpu (default), cuda or cuda:N for CUDA device N (needs the {Graph.Execution.CudaSupport.GpuPackageId} package, CUDA 13 and cuDNN 9).",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>cpu, cuda (device 0) or cuda:N; gpu is accepted for cuda.</summary>
    public static (Graph.Execution.ExecutionDevice Device, int DeviceId) ParseDevice(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split(':', 2);
        return parts switch
        {
            ["cpu"] => (Graph.Execution.ExecutionDevice.Cpu, 0),
            ["cuda" or "gpu"] => (Graph.Execution.ExecutionDevice.Cuda, 0),
            ["cuda" or "gpu", var ordinal] when IsOrdinal(ordinal) => (Graph.Execution.ExecutionDevice.Cuda, int.Parse(ordinal, CultureInfo.InvariantCulture)),
            ["cuda" or "gpu", var ordinal] => throw new Graph.CalibException(
                $"--device '{text}': '{ordinal}' is not a CUDA device number; write cuda:N with N = 0, 1, … as nvidia-smi lists the GPUs."),
            _ => throw new Graph.CalibException($"--device '{text}' is not cpu, cuda or cuda:N (N = the CUDA device number, as nvidia-smi lists it)."),
        };
    }

    // At most 4 digits: int.Parse cannot overflow, and no machine has 10 000 GPUs.
    private static bool IsOrdinal(string text) =>
        text.Length is > 0 and <= 4 && text.All(char.IsAsciiDigit);

    public static Option<int> Threads() => new("--threads")
    {
        Description = "ONNX Runtime intra-op threads (default 0: ONNX Runtime's choice).",
        DefaultValueFactory = _ => 0,
    };

    public static int ParseThreads(int threads) =>
        threads >= 0 ? threads : throw new Graph.CalibException("--threads must be 0 or more.");

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print machine-readable JSON instead of a table.",
    };
}
