using System.CommandLine;

namespace Calib.Cli.Infrastructure;

/// <summary>Options shared by several commands, so that they are spelled the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "The float model: an .onnx file.",
        Required = true,
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print machine-readable JSON instead of a table.",
    };
}
