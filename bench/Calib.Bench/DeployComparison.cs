using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;

namespace Calib.Bench;

/// <summary>Measurement 3 for one model: the deploy model against the float one.</summary>
/// <param name="Model">The workload's name.</param>
/// <param name="FloatBytes">Size of the float .onnx file.</param>
/// <param name="DeployBytes">Size of <c>&lt;model&gt;_deploy.onnx</c>.</param>
/// <param name="SizeRatio">Deploy size / float size.</param>
/// <param name="Latency">Latency at each batch size.</param>
/// <param name="Kernels">The kernels ONNX Runtime runs for the deploy model.</param>
/// <param name="DeployCosine">The deploy model's worst output cosine to float on the run's held-out inputs; null when not measured.</param>
internal sealed record ModelComparison(
    string Model, long FloatBytes, long DeployBytes, double SizeRatio, IReadOnlyList<LatencyResult> Latency, KernelCheck Kernels, double? DeployCosine);

/// <summary>Calibrates a workload, then compares its deploy model with the float model.</summary>
internal static class DeployComparison
{
    public static ModelComparison Measure(Workload workload, IReadOnlyList<int> batchSizes, BenchOptions options, Action<string> log)
    {
        using var work = TempDirectory.Create();
        log($"{workload.Name}: calibrating (--batch-num {workload.BatchNum} --batch-size {workload.BatchSize})");
        var outcome = CalibrationRun.Execute(workload.Request(work.Path));
        var deploy = workload.DeployModelIn(work.Path);
        var kernels = IntegerKernelCheck.Inspect(workload.ModelPath, deploy, workload.Execution, work.Path);

        var comparison = new LatencyComparison(workload.ModelPath, deploy, workload.Execution);
        var latency = batchSizes.Select(size =>
        {
            log($"{workload.Name}: latency at batch {size} ({options.Runs} timed runs of each model)");
            return comparison.Measure(workload.ReadFeeds(size, 1)[0], options.Warmup, options.Runs);
        }).ToList();

        var (floatBytes, deployBytes) = (new FileInfo(workload.ModelPath).Length, new FileInfo(deploy).Length);
        var cosine = outcome.Fidelity?.Outputs.Select(o => o.Deploy?.Cosine).Min();
        return new ModelComparison(workload.Name, floatBytes, deployBytes, (double)deployBytes / floatBytes, latency, kernels, cosine);
    }
}
