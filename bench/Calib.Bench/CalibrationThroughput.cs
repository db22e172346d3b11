using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Data;
using Calib.Graph.Execution;
using Calib.Graph.Onnx;

namespace Calib.Bench;

/// <summary>Measurement 1: how fast a whole calibration runs, absolutely and against plain float inference.</summary>
/// <param name="Model">The workload's name.</param>
/// <param name="BatchSize">Samples (images or tensor samples) per batch.</param>
/// <param name="BatchNum">Batches per calibration.</param>
/// <param name="Repeats">Timed calibrations after the first.</param>
/// <param name="FirstRunSeconds">The first calibration in the process, which also JIT-compiles calib: what a one-shot <c>calib run</c> pays.</param>
/// <param name="CalibrationSeconds">Median wall time of <see cref="CalibrationRun.Execute"/>, outputs written.</param>
/// <param name="SamplesPerSecond">Calibration samples over <paramref name="CalibrationSeconds"/>.</param>
/// <param name="InferenceSeconds">Median time of fp32 inference over the same, already preprocessed, batches.</param>
/// <param name="CalibrationToInference">Median over repeats of calibration time / inference time, each pair timed back to back.</param>
internal sealed record ThroughputResult(
    string Model, int BatchSize, int BatchNum, int Repeats, double FirstRunSeconds,
    double CalibrationSeconds, double SamplesPerSecond, double InferenceSeconds, double CalibrationToInference);

/// <summary>Times <see cref="CalibrationRun.Execute"/> and an fp32 <see cref="ModelRunner"/> pass over the same batches.</summary>
internal static class CalibrationThroughput
{
    public static ThroughputResult Measure(Workload workload, int repeats, Action<string> log)
    {
        var batches = workload.ReadFeeds(workload.BatchSize, workload.BatchNum);
        using var runner = ModelRunner.Create(OnnxModelFile.Load(workload.ModelPath), workload.Execution);
        using var output = TempDirectory.Create();
        log($"calibration throughput ({workload.Name}): first run");
        // The first run also pays for JIT compilation and for loading the native libraries: it is
        // reported on its own, and the throughput is that of the runs after it.
        var firstRun = Timing.Seconds(() => Calibrate(workload, output.Path));
        // Likewise untimed: ONNX Runtime sizes its memory arena on the first pass.
        InferAll(runner, batches);

        var calibration = new List<double>(repeats);
        var inference = new List<double>(repeats);
        var ratios = new List<double>(repeats);
        for (var i = 1; i <= repeats; i++)
        {
            log($"calibration throughput ({workload.Name}): repeat {i}/{repeats}");
            var calibrationSeconds = Timing.Seconds(() => Calibrate(workload, output.Path));
            var inferenceSeconds = Timing.Seconds(() => InferAll(runner, batches));
            calibration.Add(calibrationSeconds);
            inference.Add(inferenceSeconds);
            ratios.Add(calibrationSeconds / inferenceSeconds);
        }

        var medianCalibration = Timing.Median(calibration);
        return new ThroughputResult(
            workload.Name, workload.BatchSize, workload.BatchNum, repeats, firstRun, medianCalibration,
            workload.BatchSize * workload.BatchNum / medianCalibration, Timing.Median(inference), Timing.Median(ratios));
    }

    private static void Calibrate(Workload workload, string outputDirectory) =>
        CalibrationRun.Execute(workload.Request(outputDirectory));

    private static void InferAll(ModelRunner runner, IReadOnlyList<ModelFeed> batches)
    {
        foreach (var batch in batches)
            runner.Run(batch.Inputs).Dispose();
    }
}
