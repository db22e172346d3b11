using System.Globalization;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;

namespace Calib.Bench;

/// <summary>The memory of one calibration process.</summary>
/// <param name="BatchNum">Batches calibrated.</param>
/// <param name="PeakRssKib">Peak resident set size (VmHWM) over the whole process.</param>
/// <param name="RssAfterGcKib">Resident set size after the calibration and a full GC.</param>
internal sealed record MemorySample(int BatchNum, long PeakRssKib, long RssAfterGcKib);

/// <summary>Measurement 2: peak memory of calibrations that differ only in --batch-num.</summary>
/// <param name="Model">The workload's name.</param>
/// <param name="BatchSize">Samples per batch in both.</param>
/// <param name="Few">The calibration with few batches.</param>
/// <param name="Many">The calibration with many batches.</param>
/// <param name="PeakRatio">Peak RSS of <paramref name="Many"/> over that of <paramref name="Few"/>; 1 when memory does not grow with --batch-num.</param>
internal sealed record MemoryResult(string Model, int BatchSize, MemorySample Few, MemorySample Many, double PeakRatio);

/// <summary>
/// Runs each calibration in a fresh child process (this program in its hidden
/// <see cref="BenchCommandLine.ChildCalibrateOption"/> mode), because a process's peak RSS never
/// goes down: measured in one process, the second figure would include the first run's peak.
/// </summary>
internal static class PeakMemory
{
    /// <summary>4 samples per batch, so that 64 batches use all 256 sample images (and the transformer's 256 samples).</summary>
    public const int BatchSize = 4;

    private const string ReportPrefix = "calib-bench-memory";

    public static MemoryResult Measure(string workload, int fewBatches, int manyBatches, int threads, Action<string> log)
    {
        var few = RunChild(workload, fewBatches, threads, log);
        var many = RunChild(workload, manyBatches, threads, log);
        return new MemoryResult(workload, BatchSize, few, many, (double)many.PeakRssKib / few.PeakRssKib);
    }

    /// <summary>The child's side: calibrates the workload, collects garbage, and prints its memory on one line.</summary>
    public static int RunChild(Workload workload, int batchNum)
    {
        using (var output = TempDirectory.Create())
            CalibrationRun.Execute(workload.Request(output.Path, BatchSize, batchNum));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var status = ProcStatus.Read();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ReportPrefix} {status.PeakRssKib} {status.RssKib}"));
        return 0;
    }

    private static MemorySample RunChild(string workload, int batchNum, int threads, Action<string> log)
    {
        log($"peak memory ({workload}): child process, --batch-num {batchNum} --batch-size {BatchSize}");
        var (program, arguments) = SelfInvocation();
        var child = ChildProcess.Run(program, [
            .. arguments,
            BenchCommandLine.ChildCalibrateOption, batchNum.ToString(CultureInfo.InvariantCulture),
            BenchCommandLine.ChildWorkloadOption, workload,
            BenchCommandLine.ThreadsOption, threads.ToString(CultureInfo.InvariantCulture),
        ]);
        var report = child.Output.Split('\n').FirstOrDefault(line => line.StartsWith(ReportPrefix + " ", StringComparison.Ordinal));
        if (child.ExitCode != 0 || report is null)
            throw new InvalidOperationException(
                $"The memory child ({workload}, --batch-num {batchNum}) failed with exit code {child.ExitCode}: {child.Error.Trim()}");
        var figures = report.Split(' ');
        return new MemorySample(batchNum, long.Parse(figures[1], CultureInfo.InvariantCulture), long.Parse(figures[2], CultureInfo.InvariantCulture));
    }

    /// <summary>How to start this same program again.</summary>
    private static (string Program, string[] Arguments) SelfInvocation()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of the running program is unknown.");
        // Under `dotnet Calib.Bench.dll` the process is the dotnet host, which needs the assembly first.
        return Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? (host, [typeof(PeakMemory).Assembly.Location])
            : (host, []);
    }
}
