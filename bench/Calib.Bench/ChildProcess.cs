using System.Diagnostics;

namespace Calib.Bench;

/// <summary>What a finished child process printed.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Output">Everything it wrote to stdout.</param>
/// <param name="Error">Everything it wrote to stderr.</param>
internal sealed record ChildProcess(int ExitCode, string Output, string Error)
{
    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/> to the end, capturing both streams.</summary>
    /// <exception cref="InvalidOperationException">The process cannot be started.</exception>
    public static ChildProcess Run(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        // Both streams are drained at once: a child blocked on a full stderr pipe would never end stdout.
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new ChildProcess(process.ExitCode, output, error.Result);
    }
}
