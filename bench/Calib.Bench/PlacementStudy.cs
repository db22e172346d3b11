using System.Globalization;
using System.Text.Json;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Workflows;
using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Calib.Bench;

/// <summary>
/// <c>--placement-study</c>: where ONNX Runtime's integer path pays. For each workload, the deploy
/// model is varied one choice at a time (which layer kinds stay float, per-tensor weights, int8
/// activations), each variant is timed against float (<see cref="PairedLatency"/>) and ONNX
/// Runtime's profiler gives the time per kernel kind of float and of calib's default deploy model.
/// The findings are in docs/PERFORMANCE.md.
/// </summary>
internal static class PlacementStudy
{
    private static readonly LatencyBudget Budget = new() { Warmup = 3, MinPairs = 9, MaxPairs = 40, Time = TimeSpan.FromSeconds(3) };

    public static void Run(IReadOnlyList<(Workload Workload, int[] Batches)> workloads, int threads, Action<string> log, TextWriter output)
    {
        output.WriteLine($"Placement study: ONNX Runtime CPU, {threads} intra-op thread(s), deploy/float time ratio (median of paired, alternating runs; < 1 = deploy faster)");
        foreach (var (workload, batches) in workloads)
        {
            var execution = workload.Execution with { IntraOpThreads = threads };
            using var work = TempDirectory.Create();
            log($"{workload.Name}: calibrating");
            var request = workload.Request(work.Path) with { Execution = execution };
            var calibrated = CalibrationRun.Calibrate(CalibrationRun.Prepare(request), request);
            var floatModel = calibrated.Prepared.Loaded.Model;
            var variants = Variants(calibrated, request).ToList();
            output.WriteLine();
            output.WriteLine($"{workload.Name}: {calibrated.Plan.Layers.Count} quantized layers");
            var table = new TextTable(["variant", .. batches.Select(b => $"batch {b}")]);
            foreach (var (name, model) in variants)
            {
                log($"{workload.Name}: {name}");
                table.Add([name, .. batches.Select(b =>
                {
                    var shape = calibrated.Statistics.BatchShape.ToArray();
                    shape[0] = b;
                    var r = PairedLatency.Measure(floatModel, model, shape, execution, Budget);
                    return $"{Number(1 / r.SpeedUp, "F2")} ({Number(r.ReferenceMs, "G3")}/{Number(r.CandidateMs, "G3")} ms)";
                })]);
            }
            output.Write(table.Render());
            var profileShape = calibrated.Statistics.BatchShape.ToArray();
            profileShape[0] = batches[^1];
            log($"{workload.Name}: profiling");
            var floatKernels = Profile(floatModel, profileShape, threads, work.Path);
            var deployKernels = Profile(variants[0].Model, profileShape, threads, work.Path);
            output.WriteLine($"  ONNX Runtime profiler, batch {batches[^1]}, µs per run (median per kernel, summed by kind):");
            output.WriteLine($"    float : {Describe(floatKernels)}");
            output.WriteLine($"    deploy: {Describe(deployKernels)}");
        }
    }

    // The first variant is calib's default deploy model; each other one changes one thing.
    private static IEnumerable<(string Name, OnnxModel Model)> Variants(CalibratedModel calibrated, CalibrationRequest request)
    {
        yield return ("deploy (calib default)", calibrated.DeployModel());
        var graph = calibrated.Plan.Model.Graph;
        var layers = calibrated.Plan.Layers;
        string[] Where(Func<Node, bool> keep) =>
            [.. layers.Where(l => graph.Nodes.FirstOrDefault(n => n.Name == l.Name) is { } n && keep(n)).Select(l => l.Name)];
        var thin = Where(n => n.OpType is "Conv" or "ConvTranspose" && Channels(graph, n) is > 0 and <= 3);
        var depthwise = Where(n => n.OpType == "Conv" && n.Attributes.GetInt("group", 1) > 1);
        var pools = Where(n => n.OpType is "AveragePool");
        var gemms = Where(n => n.OpType is "Gemm" or "MatMul");
        foreach (var (name, kept) in new[] { ("thin first convs float", thin), ("depthwise float", depthwise), ("AveragePool float", pools), ("Gemm/MatMul float", gemms) })
            if (kept.Length > 0 && kept.Length < layers.Count) yield return ($"{name} ({kept.Length})", calibrated.KeepingFloat(kept).DeployModel());
        var all = thin.Concat(pools).Concat(gemms).Distinct().ToArray();
        if (all.Length > 0 && all.Length < layers.Count) yield return ($"thin+AvgPool+Gemm float ({all.Length})", calibrated.KeepingFloat(all).DeployModel());
        yield return ("per-tensor weights", Recalibrate(request, request.Overrides with { ChannelWise = false }));
        yield return ("int8 activations (S8S8)", Recalibrate(request, request.Overrides with { ActivationOffset = false }));
    }

    private static OnnxModel Recalibrate(CalibrationRequest request, SettingOverrides overrides)
    {
        var changed = request with { Overrides = overrides };
        return CalibrationRun.Calibrate(CalibrationRun.Prepare(changed), changed).DeployModel();
    }

    private static long Channels(ModelGraph graph, Node node) =>
        node.InputOrNull(1) is { } w && graph.Initializers.TryGetValue(w, out var weight) && weight.Dims.Count > 1
            ? node.OpType == "ConvTranspose" ? weight.Dims[0] : weight.Dims[1] * node.Attributes.GetInt("group", 1)
            : 0;

    /// <summary>Median µs per run of each kernel, summed by op kind, from ONNX Runtime's profiler.</summary>
    private static Dictionary<string, double> Profile(OnnxModel model, long[] shape, int threads, string folder)
    {
        const int runs = 20;
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            EnableProfiling = true,
            ProfileOutputPathPrefix = Path.Combine(folder, "profile"),
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(OnnxModelFile.ToBytes(model), options);
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        using var input = OrtValue.CreateTensorValueFromMemory(data, shape);
        var name = session.InputNames[0];
        for (var i = 0; i < runs + 3; i++)
            using (session.Run(new RunOptions(), [name], [input], session.OutputNames)) { }
        var file = session.EndProfiling();
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var perNode = new Dictionary<(string Op, string Node), List<double>>();
        foreach (var e in json.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node" || e.GetProperty("name").GetString() is not { } n || !n.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            var op = e.GetProperty("args").GetProperty("op_name").GetString()!;
            var key = (op, n);
            if (!perNode.TryGetValue(key, out var list)) perNode[key] = list = [];
            list.Add(e.GetProperty("dur").GetDouble());
        }
        return perNode.GroupBy(p => p.Key.Op).ToDictionary(g => $"{g.Key}×{g.Count()}", g => g.Sum(p => PairedLatency.Median(p.Value)));
    }

    private static string Describe(Dictionary<string, double> kernels) =>
        $"total {Number(kernels.Values.Sum(), "F0")}: " + string.Join(", ", kernels.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {Number(k.Value, "F0")}"));

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
