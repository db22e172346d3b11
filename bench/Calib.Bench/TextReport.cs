using System.Globalization;

namespace Calib.Bench;

/// <summary>Writes a <see cref="BenchReport"/> as readable tables.</summary>
internal static class TextReport
{
    public static void Write(BenchReport report, TextWriter output)
    {
        var machine = report.Machine;
        output.WriteLine($"calib bench: {machine.Processors} CPUs, {machine.Os}, {machine.Runtime}, ONNX Runtime {machine.OnnxRuntime}, " +
            $"intra-op threads {(machine.IntraOpThreads == 0 ? "ONNX Runtime's default" : Number(machine.IntraOpThreads))}");
        output.WriteLine();
        foreach (var throughput in report.Calibration) WriteThroughput(throughput, output);
        foreach (var memory in report.Memory) WriteMemory(memory, output);
        WriteModels(report.Models, output);
        WriteTargets(report.Targets, output);
    }

    private static void WriteThroughput(ThroughputResult result, TextWriter output)
    {
        output.WriteLine($"1. Calibration throughput: {result.Model}, {result.BatchNum} batches × {result.BatchSize} = " +
            $"{result.BatchNum * result.BatchSize} samples, median of {result.Repeats} after a first (cold) run");
        output.Write(new TextTable("figure", "value")
            .Add("first calibration in the process (JIT compiling)", $"{Number(result.FirstRunSeconds, "F3")} s")
            .Add("calibration (CalibrationRun.Execute, outputs written)", $"{Number(result.CalibrationSeconds, "F3")} s")
            .Add("calibration throughput", $"{Number(result.SamplesPerSecond, "F1")} samples/s")
            .Add("fp32 inference over the same batches, read in advance", $"{Number(result.InferenceSeconds, "F3")} s")
            .Add("calibration time / fp32 inference time", $"{Number(result.CalibrationToInference, "F1")}×")
            .Render());
        output.WriteLine();
    }

    private static void WriteMemory(MemoryResult result, TextWriter output)
    {
        output.WriteLine($"2. Peak memory: {result.Model} calibration at batch size {result.BatchSize}, each run in its own process");
        var table = new TextTable("--batch-num", "samples", "peak RSS (VmHWM)", "RSS after GC");
        foreach (var sample in new[] { result.Few, result.Many })
            table.Add(Number(sample.BatchNum), Number(sample.BatchNum * result.BatchSize), MiB(sample.PeakRssKib), MiB(sample.RssAfterGcKib));
        output.Write(table.Render());
        output.WriteLine($"  peak ratio {result.Many.BatchNum}/{result.Few.BatchNum}: {Number(result.PeakRatio, "F3")}");
        output.WriteLine();
    }

    private static void WriteModels(IReadOnlyList<ModelComparison> models, TextWriter output)
    {
        var runs = models.SelectMany(m => m.Latency).Select(l => l.Runs).FirstOrDefault();
        output.WriteLine($"3. Deploy (int8) vs float: ONNX Runtime CPU, median of {runs} runs in alternating blocks, each after a warm-up");
        var latency = new TextTable("model", "batch", "float ms", "deploy ms", "speed-up");
        foreach (var model in models)
            foreach (var l in model.Latency)
                latency.Add(model.Model, Number(l.Batch), Number(l.FloatMs, "F2"), Number(l.DeployMs, "F2"), $"{Number(l.SpeedUp, "F2")}×");
        output.Write(latency.Render());
        output.WriteLine();

        var sizes = new TextTable("model", "float file", "deploy file", "deploy/float");
        foreach (var model in models)
            sizes.Add(model.Model, FileSize(model.FloatBytes), FileSize(model.DeployBytes), Number(model.SizeRatio, "F3"));
        output.Write(sizes.Render());
        output.WriteLine();

        output.WriteLine("  Kernels in ONNX Runtime's optimized deploy graph (ExecutionOptions.OptimizedModelPath):");
        foreach (var model in models)
        {
            var kernels = model.Kernels;
            output.WriteLine($"  {model.Model}: all Conv/Gemm/MatMul integer: {(kernels.AllInteger ? "yes" : "no")} " +
                $"({kernels.IntegerKernels} integer kernels for {kernels.ConvGemmLayers} Conv/Gemm/MatMul layers, {kernels.FloatKernels} float Conv/Gemm/MatMul left)");
            output.WriteLine($"    ops: {string.Join(", ", kernels.Ops.Select(op => $"{op.Key} {op.Value}"))}");
            var roundTrips = kernels.RoundTripOps.Count == 0 ? "none" : string.Join(", ", kernels.RoundTripOps.Select(op => $"{op.Key} {op.Value}"));
            output.WriteLine($"    float kernels left between DQ and Q: {roundTrips}; Q→DQ pairs left: {kernels.QuantizeDequantizePairs}");
            if (model.DeployCosine is { } cosine) output.WriteLine($"    deploy output cosine to float (held-out inputs, worst output): {Number(cosine, "F5")}");
        }
        output.WriteLine();
    }

    private static void WriteTargets(IReadOnlyList<TargetCheck> targets, TextWriter output)
    {
        output.WriteLine("Acceptance targets");
        var table = new TextTable("target", "measured", "result");
        foreach (var target in targets) table.Add(target.Target, target.Measured, target.Pass ? "PASS" : "FAIL");
        output.Write(table.Render());
    }

    private static string MiB(double kib) => $"{Number(kib / 1024, "F1")} MiB";

    private static string FileSize(long bytes) => bytes < 1 << 20 ? $"{Number(bytes / 1024.0, "F1")} KiB" : MiB(bytes / 1024.0);

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
