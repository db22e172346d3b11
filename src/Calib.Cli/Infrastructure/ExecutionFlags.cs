using System.CommandLine;
using Calib.Graph.Execution;

namespace Calib.Cli.Infrastructure;

/// <summary>--device and --threads, for every command that runs ONNX Runtime, and the options they make.</summary>
internal sealed class ExecutionFlags
{
    public Option<string> Device { get; } = CommonOptions.Device();
    public Option<int> Threads { get; } = CommonOptions.Threads();

    public IEnumerable<Option> All => [Device, Threads];

    /// <summary>
    /// The options, with --device cuda checked right here, before any model is read or output written:
    /// a missing CUDA library is then the first and only error.
    /// </summary>
    public ExecutionOptions Resolve(ParseResult parse)
    {
        var (device, deviceId) = CommonOptions.ParseDevice(parse.GetValue(Device)!);
        var threads = CommonOptions.ParseThreads(parse.GetValue(Threads));
        if (device == ExecutionDevice.Cuda) CudaSupport.EnsureAvailable();
        return new ExecutionOptions { Device = device, DeviceId = deviceId, IntraOpThreads = threads };
    }
}
