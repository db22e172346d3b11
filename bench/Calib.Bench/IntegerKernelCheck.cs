using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Quantization;

namespace Calib.Bench;

/// <summary>Which kernels ONNX Runtime actually runs for a deploy model.</summary>
/// <param name="Ops">Op type → node count in ONNX Runtime's optimized deploy graph, most frequent first.</param>
/// <param name="ConvGemmLayers">Conv, ConvTranspose, Gemm and MatMul nodes of the float model.</param>
/// <param name="IntegerKernels">Nodes of the optimized deploy graph that multiply integers (QLinearConv, QGemm, ConvInteger, …).</param>
/// <param name="FloatKernels">Conv, Gemm and MatMul nodes of the optimized deploy graph still running in float (Conv, FusedConv, Gemm, MatMul, …).</param>
/// <param name="AllInteger">True when every Conv, Gemm and MatMul became an integer kernel.</param>
/// <param name="RoundTripOps">Float kernels left between DequantizeLinear and QuantizeLinear, by op type (<see cref="QdqRoundTrips"/>).</param>
/// <param name="QuantizeDequantizePairs">QuantizeLinear → DequantizeLinear pairs left in the optimized graph.</param>
internal sealed record KernelCheck(
    IReadOnlyDictionary<string, int> Ops, int ConvGemmLayers, int IntegerKernels, int FloatKernels, bool AllInteger,
    IReadOnlyDictionary<string, int> RoundTripOps, int QuantizeDequantizePairs);

/// <summary>
/// Reads the graph ONNX Runtime writes after its optimizations: the QDQ node units of the deploy
/// model only pay off when they fuse into integer kernels, and only the optimized graph shows it.
/// </summary>
internal static class IntegerKernelCheck
{
    private static readonly HashSet<string> ConvGemmOps = ["Conv", "ConvTranspose", "Gemm", "MatMul"];

    // Any domain: with all optimizations on, ONNX Runtime runs float convolutions as com.microsoft
    // FusedConv or NCHWc Conv, float Gemm with an activation as FusedGemm, and float MatMul with a scale as FusedMatMul.
    private static readonly HashSet<string> FloatConvGemmOps = [.. ConvGemmOps, "FusedConv", "FusedGemm", "FusedMatMul"];

    private static readonly HashSet<string> IntegerMatrixOps =
        ["QLinearConv", "QLinearConvTranspose", "QGemm", "ConvInteger", "MatMulInteger", "QLinearMatMul", "MatMulIntegerToFloat", "DynamicQuantizeMatMul"];

    /// <summary>Has ONNX Runtime optimize <paramref name="deployModel"/> into <paramref name="scratchDirectory"/> and counts its ops.</summary>
    public static KernelCheck Inspect(string floatModel, string deployModel, ExecutionOptions execution, string scratchDirectory)
    {
        var optimized = Path.Combine(scratchDirectory, $"{Path.GetFileNameWithoutExtension(deployModel)}_ort_optimized.onnx");
        // Creating the session is what writes the optimized graph.
        ModelRunner.Create(OnnxModelFile.Load(deployModel), execution with { OptimizedModelPath = optimized }).Dispose();
        var graph = OnnxModelFile.Load(optimized).Graph;
        var nodes = graph.Nodes;
        var ops = nodes.GroupBy(n => n.OpType)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        var layers = Count(OnnxModelFile.Load(floatModel).Graph.Nodes, ConvGemmOps);
        var integer = Count(nodes, IntegerMatrixOps);
        var remainingFloat = Count(nodes, FloatConvGemmOps);
        var roundTrips = QdqRoundTrips.Find(graph);
        return new KernelCheck(ops, layers, integer, remainingFloat, remainingFloat == 0 && integer >= layers,
            roundTrips.FloatOps, roundTrips.QuantizeDequantizePairs.Count);
    }

    private static int Count(IEnumerable<Node> nodes, HashSet<string> ops) => nodes.Count(n => ops.Contains(n.OpType));
}
