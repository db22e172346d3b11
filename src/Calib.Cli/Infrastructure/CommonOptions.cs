using System.CommandLine;

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
        Description = "Execution device: cpu (default) or cuda (needs the CUDA build of ONNX Runtime).",
        DefaultValueFactory = _ => "cpu",
    };

    public static Graph.Execution.ExecutionDevice ParseDevice(string text) => text.ToLowerInvariant() switch
    {
        "cpu" => Graph.Execution.ExecutionDevice.Cpu,
        "cuda" or "gpu" => Graph.Execution.ExecutionDevice.Cuda,
        _ => throw new Graph.CalibException($"--device '{text}' is not cpu or cuda."),
    };

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
