using Spectre.Console;

namespace Calib.Cli.Infrastructure;

/// <summary>Progress of batched work: a Spectre progress bar on a terminal, plain "label i/n" lines otherwise.</summary>
internal static class CliProgress
{
    /// <summary>Runs <paramref name="work"/>, which reports (done, total) through the callback it is given.</summary>
    public static T Run<T>(CliConsole console, string label, Func<Action<int, int>, T> work)
    {
        if (!console.IsTerminal)
            return work((done, total) => console.PlainOutput.WriteLine($"{label} {done}/{total}"));
        T result = default!;
        console.Output.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(label);
                result = work((done, total) => { task.MaxValue = total; task.Value = done; });
            });
        return result;
    }
}
