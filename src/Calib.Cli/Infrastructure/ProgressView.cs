using Calib.Algorithms.Workflows;
using Calib.Algorithms.Evaluation;
using Spectre.Console;

namespace Calib.Cli.Infrastructure;

/// <summary>
/// Progress of calibration and evaluation: one Spectre progress bar per stage on a terminal, plain
/// lines otherwise (every calibration batch, and each evaluation stage when it ends).
/// </summary>
internal sealed class ProgressView
{
    private const string CalibrationStage = "calibrating";

    private readonly CliConsole _console;
    private readonly ProgressContext? _context;
    private readonly Dictionary<string, ProgressTask> _tasks = [];

    private ProgressView(CliConsole console, ProgressContext? context)
    {
        _console = console;
        _context = context;
    }

    /// <summary>Runs <paramref name="work"/> with progress shown on <paramref name="console"/>.</summary>
    public static T Show<T>(CliConsole console, Func<ProgressView, T> work)
    {
        if (!console.IsTerminal) return work(new ProgressView(console, null));
        T result = default!;
        console.Output.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context => result = work(new ProgressView(console, context)));
        return result;
    }

    /// <summary>A calibration batch is done.</summary>
    public void Calibration(int done, int total)
    {
        if (_context is null) _console.PlainOutput.WriteLine($"calibration batch {done}/{total}");
        else Update(CalibrationStage, done, total);
    }

    /// <summary>An evaluation batch (or step) is done.</summary>
    public void Evaluation(EvaluationProgress progress)
    {
        if (_context is null)
        {
            if (progress.Done == progress.Total) _console.PlainOutput.WriteLine($"evaluated {progress.Stage}");
        }
        else Update(progress.Stage, progress.Done, progress.Total);
    }

    private void Update(string stage, int done, int total)
    {
        if (!_tasks.TryGetValue(stage, out var task)) _tasks[stage] = task = _context!.AddTask(Markup.Escape(stage));
        task.MaxValue = total;
        task.Value = done;
    }
}
