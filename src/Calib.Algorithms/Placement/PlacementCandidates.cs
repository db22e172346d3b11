using Calib.Algorithms.Calibration;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Placement;

/// <summary>A group of quantized layers that a speed placement times as one float island.</summary>
/// <param name="Name">What the group is, e.g. "AveragePool layers".</param>
/// <param name="Layers">Its layers, in graph order.</param>
public sealed record PlacementCandidate(string Name, IReadOnlyList<string> Layers);

/// <summary>
/// The groups a speed placement tries, by kind of layer, not by model: the kinds that measured slower in
/// ONNX Runtime's integer path than in float (docs/PERFORMANCE.md). Whole groups are timed, not single
/// layers, because each float island costs its own Q/DQ pair and NCHW↔NHWC transposes: one depthwise
/// layer kept float alone made every measured net slower.
/// </summary>
public static class PlacementCandidates
{
    /// <summary>Convs reading this many channels or fewer are "thin" (image inputs: 1 or 3 channels).</summary>
    public const long ThinChannels = 3;

    /// <summary>The candidate groups of <paramref name="plan"/>'s quantized layers, in the order they are tried; empty groups are left out.</summary>
    public static IReadOnlyList<PlacementCandidate> Of(CalibrationPlan plan)
    {
        var graph = plan.Model.Graph;
        var nodes = graph.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        string[] Where(Func<CalibrationLayer, Node, bool> keep) =>
            [.. plan.Layers.Where(l => nodes.TryGetValue(l.Name, out var n) && keep(l, n)).Select(l => l.Name)];
        PlacementCandidate[] groups =
        [
            // QLinearAveragePool is a scalar loop: 8–10× the float kernel.
            new("AveragePool layers", Where((l, _) => l.OpType == "AveragePool")),
            // No integer ConvTranspose kernel: its int8 weights are dequantized at every run.
            new("ConvTranspose layers", Where((l, _) => l.OpType == "ConvTranspose")),
            // A 1–3 channel input leaves the int8 GEMM nothing to vectorize over; float Conv uses NCHWc kernels.
            new($"thin convs ({ThinChannels} or fewer input channels)", Where((l, n) => l.OpType == "Conv" && InputChannels(graph, n) is > 0 and <= ThinChannels)),
        ];
        return [.. groups.Where(g => g.Layers.Count > 0)];
    }

    private static long InputChannels(ModelGraph graph, Node node) =>
        node.InputOrNull(1) is { } w && graph.Initializers.TryGetValue(w, out var weight) && weight.Dims.Count > 1
            ? weight.Dims[1] * node.Attributes.GetInt("group", 1)
            : 0;
}
