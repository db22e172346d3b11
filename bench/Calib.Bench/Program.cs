using System.CommandLine;
using Calib.Bench;
using Calib.Graph;

try
{
    var repo = RepoLayout.Find();
    return BenchCommandLine.Create(options =>
        {
            var sample = Workload.Sample(repo, options.Execution);
            if (options.ChildBatchNum is { } batchNum)
                return PeakMemory.RunChild(options.ChildWorkload == Workload.TransformerName
                    ? Workload.Transformer(BenchNets.EnsureTransformer(repo, _ => { }), options.Execution)
                    : sample, batchNum);
            return options.PlacementStudy ? Bench.Study(repo, sample, options) : Bench.Run(repo, sample, options);
        })
        .Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
// Expected failures (bad input, a missing tool, a failed child) as one line; anything else is a bug and keeps its stack trace.
catch (Exception e) when (e is CalibException or InvalidOperationException or PlatformNotSupportedException)
{
    Console.Error.WriteLine($"calib-bench: error: {e.Message}");
    return 1;
}
