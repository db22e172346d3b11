using Calib.Graph.Ir;

namespace Calib.Graph.Passes;

/// <summary>
/// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization"): for two consecutive layers L1 → L2 whose
/// output channels meet only through positively homogeneous nodes (f(x/s) = f(x)/s for s &gt; 0: Relu, LeakyRelu,
/// PRelu, Identity, MaxPool, or nothing), output channel i of L1 (weights and bias) is divided by sᵢ and the weights
/// reading input channel i of L2 are multiplied by sᵢ = √(r1ᵢ/r2ᵢ) — r1ᵢ the largest weight magnitude of L1's output
/// channel i, r2ᵢ that of L2's input channel i — so both become √(r1ᵢ·r2ᵢ) and the model computes the same outputs.
/// Per-tensor weight scales then waste fewer levels on the channels of small range. L1 is a Conv (any group, a
/// depthwise one included) or a Gemm; L2 a Conv (group 1, depthwise or grouped) after a Conv, a Gemm (transA = 0)
/// or MatMul after a Gemm. A layer in two pairs (conv → depthwise → pointwise) is balanced against both by sweeping
/// over the pairs until the scales settle, as the paper does. L1's output and every node between must have no
/// other reader, and the weights and biases must be float32 initializers only that layer reads. Run it after
/// BatchNormalization folding: a BatchNormalization between two layers is not homogeneous.
/// </summary>
public sealed class CrossLayerEqualization : IGraphPass
{
    /// <summary>The pass's name in change lists.</summary>
    public const string PassName = "cross-layer-equalization";

    /// <summary>The most sweeps over the pairs; a chain of depthwise-separable blocks settles in far fewer.</summary>
    public const int MaxSweeps = 100;

    // A sweep whose every scale is within this of 1 (as |ln s|) leaves the weights as they are.
    private const double Settled = 1e-4;

    // A channel whose range is this small against its layer's largest is dead: equalizing it would blow up its bias.
    private const double NegligibleRange = 1e-8;

    private static readonly HashSet<string> Homogeneous = new(StringComparer.Ordinal) { "Relu", "LeakyRelu", "PRelu", "Identity", "MaxPool" };

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public IReadOnlyList<string> Apply(OnnxModel model)
    {
        var graph = model.Graph;
        var pairs = FindPairs(graph);
        for (var sweep = 0; sweep < MaxSweeps; sweep++)
            if (pairs.Select(Equalize).DefaultIfEmpty(0).Max() < Settled) break;
        foreach (var layer in pairs.SelectMany(p => new[] { p.First, p.Second }).Distinct()) layer.WriteTo(graph);
        return pairs.Select(Describe).ToList();
    }

    /// <summary>Two layers equalized against each other and the homogeneous nodes between them.</summary>
    private sealed record Pair(EqualizedLayer First, IReadOnlyList<Node> Between, EqualizedLayer Second);

    private static List<Pair> FindPairs(ModelGraph graph)
    {
        var readers = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        var reads = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
            foreach (var input in node.Inputs.Where(i => i.Length > 0))
            {
                reads[input] = reads.GetValueOrDefault(input) + 1;
                if (!readers.TryGetValue(input, out var list)) readers[input] = list = [];
                if (!list.Contains(node)) list.Add(node);
            }
        var subgraphReads = graph.NamesReadBySubgraphs();
        // Read by exactly one node input, and neither a graph output nor something a subgraph reads. An initializer also
        // listed as a graph input (IR < 4 exports list them all) is a constant here, as everywhere in calib.
        bool Private(string tensor) => reads.GetValueOrDefault(tensor) == 1 && !graph.IsGraphOutput(tensor) && !subgraphReads.Contains(tensor);
        bool PrivateInitializer(string name) => graph.Initializers.ContainsKey(name) && Private(name);

        var layers = new Dictionary<Node, EqualizedLayer?>();
        EqualizedLayer? LayerOf(Node node) =>
            layers.TryGetValue(node, out var known) ? known : layers[node] = EqualizedLayer.Read(graph, node, PrivateInitializer);

        var pairs = new List<Pair>();
        foreach (var node in graph.Nodes.Where(n => n.OpType is "Conv" or "Gemm" && n.IsStandard))
        {
            if (LayerOf(node) is not { OutputsScalable: true } first) continue;
            var between = new List<Node>();
            var tensor = node.Outputs[0];
            while (Private(tensor) && readers[tensor][0] is var next)
            {
                if (IsHomogeneous(next, tensor))
                {
                    between.Add(next);
                    tensor = next.Outputs[0];
                    continue;
                }
                if (next.Inputs[0] == tensor && Follows(node, next) && LayerOf(next) is { } second && second.InputChannels == first.OutputChannels)
                    pairs.Add(new Pair(first, between, second));
                break;
            }
        }
        return pairs;
    }

    // The channel axis L1 writes is the one L2 reads: axis 1 of a Conv's output; a Gemm's 2-D output read by a Gemm or MatMul.
    private static bool Follows(Node first, Node second) => (first.OpType, second.OpType) switch
    {
        ("Conv", "Conv") => second.IsStandard,
        ("Gemm", "Gemm" or "MatMul") => second.IsStandard,
        _ => false,
    };

    private static bool IsHomogeneous(Node node, string input) =>
        node.IsStandard && Homogeneous.Contains(node.OpType) && node.Inputs[0] == input
        && node.Outputs.Skip(1).All(o => o.Length == 0);

    // Equalizes one pair and returns how far its scales were from 1 (the largest |ln s|).
    private static double Equalize(Pair pair)
    {
        var (first, second) = (pair.First.OutputRanges(), pair.Second.InputRanges());
        var (firstLargest, secondLargest) = (first.Max(), second.Max());
        var scales = new double[first.Length];
        for (var c = 0; c < scales.Length; c++)
            scales[c] = first[c] <= NegligibleRange * firstLargest || second[c] <= NegligibleRange * secondLargest
                ? 1
                : Math.Sqrt(first[c] / second[c]);
        pair.First.ScaleOutputs(Array.ConvertAll(scales, s => 1 / s));
        pair.Second.ScaleInputs(scales);
        return scales.Max(s => Math.Abs(Math.Log(s)));
    }

    private static string Describe(Pair pair)
    {
        var through = pair.Between.Count == 0 ? "" : $" through {string.Join(", ", pair.Between.Select(n => n.OpType))}";
        return $"equalized {pair.First.Node.OpType} '{pair.First.Node.DisplayName}' with {pair.Second.Node.OpType} " +
               $"'{pair.Second.Node.DisplayName}'{through} ({pair.First.OutputChannels} channels)";
    }
}
