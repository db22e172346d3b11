using System.Diagnostics;

namespace Calib.Tests.Shared;

/// <summary>
/// Runs the project's own scripts (scripts/*.py with Debian's /usr/bin/python3, scripts/*.sh with bash) for
/// real-model-tier fixtures, failing with the script's error output when it fails.
/// </summary>
public static class ProjectScripts
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Runs <c>scripts/<paramref name="script"/></c> with <paramref name="arguments"/>; returns its standard output.</summary>
    /// <exception cref="InvalidOperationException">The interpreter is missing or the script fails.</exception>
    public static string Run(string script, params string[] arguments)
    {
        var interpreter = script.EndsWith(".py", StringComparison.Ordinal) ? Python : "/bin/bash";
        if (!File.Exists(interpreter))
            throw new InvalidOperationException($"{interpreter} not found: scripts/{script} needs it (see scripts/README.md for the Debian packages).");
        var start = new ProcessStartInfo(interpreter) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RepoPaths.InRepo("scripts", script));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/{script} failed ({process.ExitCode}): {stderr}{stdout.Result}");
        return stdout.Result;
    }
}
