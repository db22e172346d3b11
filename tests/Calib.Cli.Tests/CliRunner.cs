using System.Diagnostics;
using Calib.Tests.Shared;

namespace Calib.Cli.Tests;

/// <summary>Runs the calib command line, in process or as the real executable, and captures what it prints.</summary>
internal static class CliRunner
{
    public sealed record Outcome(int ExitCode, string Output, string Error);

    /// <summary>Runs <see cref="CalibApp.Run"/> in this process.</summary>
    public static Outcome InProcess(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CalibApp.Run(args, output, error);
        return new Outcome(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the built calib.dll as a separate process, as a user would.</summary>
    public static Outcome AsProcess(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "calib.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new Outcome(process.ExitCode, output.Result, error.Result);
    }
}
