using System.CommandLine;
using Calib.Graph.Execution;

namespace Calib.Bench;

/// <summary>What one bench run measures and how; parsed from the command line.</summary>
internal sealed record BenchOptions
{
    /// <summary>Calibration repeats after the first; the median is reported.</summary>
    public int Repeat { get; init; } = 5;

    /// <summary>Timed inference runs per model and batch size; the median is reported.</summary>
    public int Runs { get; init; } = 20;

    /// <summary>Untimed inference runs before timing (ONNX Runtime allocates its buffers on the first runs).</summary>
    public int Warmup { get; init; } = 3;

    /// <summary>ONNX Runtime intra-op threads for every session; 0 leaves the choice to ONNX Runtime, as calib does.</summary>
    public int Threads { get; init; }

    /// <summary>Leave out the ResNet-18 model (it takes a minute to generate, calibrate and time).</summary>
    public bool SkipResNet18 { get; init; }

    /// <summary>Leave out the transformer (calibration throughput, peak memory and deploy against float).</summary>
    public bool SkipTransformer { get; init; }

    /// <summary>Also write the figures to this JSON file.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Measure only the deploy models against float (measurement 3): no calibration throughput, no peak memory.</summary>
    public bool DeployOnly { get; init; }

    /// <summary>Run the placement study (docs/PERFORMANCE.md) instead of the bench.</summary>
    public bool PlacementStudy { get; init; }

    /// <summary>
    /// Set in the child processes of the memory measurement: calibrate <see cref="ChildWorkload"/> with this many
    /// batches and print the peak RSS, instead of running the bench.
    /// </summary>
    public int? ChildBatchNum { get; init; }

    /// <summary>The workload a memory child calibrates: <see cref="Workload.SampleName"/> or <see cref="Workload.TransformerName"/>.</summary>
    public string ChildWorkload { get; init; } = Workload.SampleName;

    /// <summary>The ONNX Runtime settings of every session: CPU, <see cref="Threads"/>, all graph optimizations.</summary>
    public ExecutionOptions Execution => ExecutionOptions.Default with { IntraOpThreads = Threads };
}

/// <summary>The command line: the bench's options, and the hidden child mode of the memory measurement.</summary>
internal static class BenchCommandLine
{
    /// <summary>The hidden option that makes the process a memory-measurement child (see <see cref="PeakMemory"/>).</summary>
    public const string ChildCalibrateOption = "--child-calibrate";

    /// <summary>The hidden option naming the workload a memory-measurement child calibrates.</summary>
    public const string ChildWorkloadOption = "--child-workload";

    /// <summary>The option that sets ONNX Runtime's intra-op threads.</summary>
    public const string ThreadsOption = "--threads";

    private static readonly BenchOptions Defaults = new();

    /// <summary>The root command, which hands the parsed options to <paramref name="run"/>.</summary>
    public static RootCommand Create(Func<BenchOptions, int> run)
    {
        var repeat = AtLeast(1, new Option<int>("--repeat") { Description = "Timed calibrations after the first (median reported).", DefaultValueFactory = _ => Defaults.Repeat });
        var runs = AtLeast(1, new Option<int>("--runs") { Description = "Timed inference runs per model and batch size (median reported).", DefaultValueFactory = _ => Defaults.Runs });
        var warmup = AtLeast(0, new Option<int>("--warmup") { Description = "Untimed inference runs before timing, per session.", DefaultValueFactory = _ => Defaults.Warmup });
        var threads = AtLeast(0, new Option<int>(ThreadsOption) { Description = "ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose, as calib does.", DefaultValueFactory = _ => Defaults.Threads });
        var skipResNet18 = new Option<bool>("--skip-resnet18") { Description = "Do not generate, calibrate and time the ResNet-18-sized model." };
        var skipTransformer = new Option<bool>("--skip-transformer") { Description = "Do not generate, calibrate and time the transformer encoder." };
        var deployOnly = new Option<bool>("--deploy-only") { Description = "Measure only the deploy models against float (latency, size, kernels, round trips, cosine)." };
        var json = new Option<string?>("--json") { Description = "Also write the figures to this JSON file." };
        var study = new Option<bool>("--placement-study") { Description = "Instead of the bench: time deploy-model variants (layer kinds kept float, per-tensor weights, int8 activations) against float and profile kernels, on the sample, LeNet, MobileNet-style, ConvTranspose and ResNet-18 nets." };
        var child = AtLeast(1, new Option<int?>(ChildCalibrateOption)
        {
            Hidden = true,
            Description = "Internal: calibrate the sample with N batches and print the peak RSS.",
        });
        var childWorkload = new Option<string>(ChildWorkloadOption)
        {
            Hidden = true,
            Description = "Internal: the workload the memory child calibrates.",
            DefaultValueFactory = _ => Defaults.ChildWorkload,
        };
        childWorkload.AcceptOnlyFromAmong(Workload.SampleName, Workload.TransformerName);

        var root = new RootCommand("Benchmarks calib: calibration throughput, peak memory against --batch-num (the sample and a transformer), and the int8 deploy model against the float one (latency, size, kernels).")
        {
            repeat, runs, warmup, threads, skipResNet18, skipTransformer, deployOnly, json, study, child, childWorkload,
        };
        root.SetAction(parse => run(new BenchOptions
        {
            Repeat = parse.GetValue(repeat),
            Runs = parse.GetValue(runs),
            Warmup = parse.GetValue(warmup),
            Threads = parse.GetValue(threads),
            SkipResNet18 = parse.GetValue(skipResNet18),
            SkipTransformer = parse.GetValue(skipTransformer),
            DeployOnly = parse.GetValue(deployOnly),
            JsonPath = parse.GetValue(json),
            PlacementStudy = parse.GetValue(study),
            ChildBatchNum = parse.GetValue(child),
            ChildWorkload = parse.GetValue(childWorkload)!,
        }));
        return root;
    }

    private static Option<T> AtLeast<T>(int minimum, Option<T> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T>() is int value && value < minimum)
                result.AddError($"{option.Name} must be at least {minimum}.");
        });
        return option;
    }
}
