using Spectre.Console;

namespace Calib.Cli.Infrastructure;

/// <summary>
/// Where commands write: a Spectre console for tables and progress on standard output, and a
/// plain writer for diagnostics. When output is not a terminal, no colours or cursor movement are used.
/// </summary>
public sealed class CliConsole
{
    private CliConsole(IAnsiConsole output, TextWriter plainOutput, TextWriter error, bool isTerminal)
    {
        Output = output;
        PlainOutput = plainOutput;
        Error = error;
        IsTerminal = isTerminal;
    }

    /// <summary>Rich output (tables, progress).</summary>
    public IAnsiConsole Output { get; }

    /// <summary>The same standard output as raw text, for machine-readable output such as JSON.</summary>
    public TextWriter PlainOutput { get; }

    /// <summary>Warnings and errors.</summary>
    public TextWriter Error { get; }

    /// <summary>True when standard output is an interactive terminal.</summary>
    public bool IsTerminal { get; }

    /// <summary>Wraps the given writers.</summary>
    public static CliConsole Create(TextWriter output, TextWriter error)
    {
        var isTerminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        // A redirected stream has no width; keep table rows on one line for logs and greps.
        if (!isTerminal) console.Profile.Width = 200;
        return new CliConsole(console, output, error, isTerminal);
    }

    /// <summary>Writes a warning line to the error stream.</summary>
    public void Warn(string message) => Error.WriteLine($"calib: warning: {message}");
}
