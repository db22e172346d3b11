using System.CommandLine;
using Calib.Graph.Execution;

namespace Calib.Cli.Infrastructure;

/// <summary>--device and --threads, for every command that runs ONNX Runtime, and the options they make.</summary>
internal sealed class ExecutionFlags
{
    public Option<string> Device { get; } = CommonOptions.Device();
    public Option<int> Threads { get; } = CommonOptions.Threads();

    public IEnumerable<Option> All => [Device, Threads];

    public ExecutionOptions Resolve(ParseResult parse) => new()
    {
        Device = CommonOptions.ParseDevice(parse.GetValue(Device)!),
        IntraOpThreads = CommonOptions.ParseThreads(parse.GetValue(Threads)),
    };
}
