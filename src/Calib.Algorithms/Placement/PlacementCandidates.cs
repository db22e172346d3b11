using Calib.Algorithms.Calibration;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Placement;

/// <summary>A group of quantized layers that a speed placement times as one float island.</summary>
/// <param name="Name">What the group is, e.g. "AveragePool layers".</param>
/// <param name="Layers">Its layers, in graph order.</param>
public sealed record PlacementCandidate(string Name, IReadOnlyList<string> Layers)
{
    /// <summary>The candidate of one layer on its own.</summary>
    public static PlacementCandidate OfLayer(string layer) => new(NameOfLayer(layer), [layer]);

    /// <summary>The name of <paramref name="layer"/>'s own candidate, e.g. "layer /conv2/Conv".</summary>
    public static string NameOfLayer(string layer) => $"layer {layer}";
}

/// <summary>
/// The groups a speed placement tries, in order. First by kind of layer, the kinds that measured slower in
/// ONNX Runtime's integer path than in float (docs/PERFORMANCE.md), as whole groups: each float island costs
/// its own Q/DQ pair and NCHW↔NHWC transposes, so one depthwise layer kept float alone made every measured
/// net slower. Then every layer on its own, in graph order: whether a conv pays in int8 depends on its
/// shape and on this CPU's kernels (ONNX Runtime's fast symmetric int8 conv needs input channels in
/// multiples of 4 and 16 or more output channels), which no rule by kind foresees; in graph order a float
/// island grows from where the previous choice left it, so each step moves a Q/DQ boundary instead of
/// adding two.
/// </summary>
public static class PlacementCandidates
{
    /// <summary>
    /// How long a speed placement times candidates; those left when it is spent stay int8 (the kind groups
    /// come first, so they are always tried). At ~2 s a candidate (<c>LatencyBudget.Default</c>) this covers
    /// every layer of a ResNet-18.
    /// </summary>
    public static readonly TimeSpan SearchTime = TimeSpan.FromSeconds(60);

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
        // A group of one layer already is that layer's candidate.
        var grouped = groups.Where(g => g.Layers.Count == 1).Select(g => g.Layers[0]).ToHashSet(StringComparer.Ordinal);
        var single = plan.Layers.Where(l => !grouped.Contains(l.Name)).Select(l => PlacementCandidate.OfLayer(l.Name));
        return [.. groups.Where(g => g.Layers.Count > 0), .. single];
    }

    private static long InputChannels(ModelGraph graph, Node node) =>
        node.InputOrNull(1) is { } w && graph.Initializers.TryGetValue(w, out var weight) && weight.Dims.Count > 1
            ? weight.Dims[1] * node.Attributes.GetInt("group", 1)
            : 0;
}
