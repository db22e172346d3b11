using System.Globalization;

namespace Calib.Bench;

/// <summary>The whole benchmark: every measurement in order, then the report.</summary>
internal static class Bench
{
    private const int FewBatches = 8;
    private const int ManyBatches = 64;

    private static readonly int[] SampleLatencyBatches = [1, 32];
    private static readonly int[] ResNet18LatencyBatches = [1, 8];
    private static readonly int[] TransformerLatencyBatches = [1, 16];

    // Progress goes to stderr, so that stdout holds only the report.
    private static void Log(string message) =>
        Console.Error.WriteLine($"[{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] {message}");

    /// <summary>The placement study (<c>--placement-study</c>) on every benchmark net, at 1 thread and at --threads (when not 0 or 1).</summary>
    public static int Study(RepoLayout repo, Workload sample, BenchOptions options)
    {
        var workloads = new List<(Workload, int[])>
        {
            (sample, [1, 32]),
            (Workload.OneChannel("lenet", repo.LeNetModel, repo, options.Execution), [1, 32]),
            (Workload.OneChannel("mobilenet", BenchNets.Ensure(repo, "mobilenet", Log), repo, options.Execution), [1, 32]),
            (Workload.OneChannel("convtranspose", BenchNets.Ensure(repo, "convtranspose", Log), repo, options.Execution), [1, 32]),
        };
        if (!options.SkipResNet18) workloads.Add((Workload.ResNet18(repo, ResNet18Model.Ensure(repo, Log), options.Execution), [1, 8]));
        foreach (var threads in options.Threads > 1 ? [1, options.Threads] : new[] { 1 })
            PlacementStudy.Run(workloads, threads, Log, Console.Out);
        return 0;
    }

    public static int Run(RepoLayout repo, Workload sample, BenchOptions options)
    {
        var machine = MachineInfo.Current(options.Threads);
        var throughput = new List<ThroughputResult>();
        var memory = new List<MemoryResult>();
        if (!options.DeployOnly)
        {
            throughput.Add(CalibrationThroughput.Measure(sample, options.Repeat, Log));
            memory.Add(PeakMemory.Measure(Workload.SampleName, FewBatches, ManyBatches, options.Threads, Log));
        }
        var models = new List<ModelComparison> { DeployComparison.Measure(sample, SampleLatencyBatches, options, Log) };
        if (!options.SkipResNet18)
        {
            var resnet18 = Workload.ResNet18(repo, ResNet18Model.Ensure(repo, Log), options.Execution);
            models.Add(DeployComparison.Measure(resnet18, ResNet18LatencyBatches, options, Log));
        }
        if (!options.SkipTransformer)
        {
            var transformer = Workload.Transformer(BenchNets.EnsureTransformer(repo, Log), options.Execution);
            if (!options.DeployOnly)
            {
                throughput.Add(CalibrationThroughput.Measure(transformer, options.Repeat, Log));
                memory.Add(PeakMemory.Measure(Workload.TransformerName, FewBatches, ManyBatches, options.Threads, Log));
            }
            models.Add(DeployComparison.Measure(transformer, TransformerLatencyBatches, options, Log));
        }

        var report = new BenchReport(machine, throughput, memory, models, AcceptanceTargets.Evaluate(memory, models));
        TextReport.Write(report, Console.Out);
        if (options.JsonPath is { } json) File.WriteAllText(json, report.ToJson());
        return 0;
    }
}
