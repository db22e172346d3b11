using Calib.Graph.Ir;
using Calib.Graph.Passes;

namespace Calib.Algorithms.Ristretto;

/// <summary>
/// The Ristretto-quantized network as an ONNX model: each quantized layer's weights (and bias) are
/// replaced by their quantized values, still float, and its input and output pass through the
/// activation format's <see cref="FakeQuantSubgraph"/> — as a Ristretto layer trims its bottom, its
/// parameters and its top at test time. Ristretto's test-time rounding is nearest, which is what the
/// simulation uses.
/// </summary>
public static class RistrettoSimulation
{
    /// <summary>A copy of <paramref name="model"/> with each layer in <paramref name="formats"/> (keyed by layer name) quantized.</summary>
    /// <exception cref="ArgumentException">A format names a layer that is not in <paramref name="layers"/>.</exception>
    public static OnnxModel Build(OnnxModel model, IReadOnlyList<RistrettoLayer> layers, IReadOnlyDictionary<string, RistrettoLayerFormat> formats)
    {
        var simulation = model.Clone();
        var graph = simulation.Graph;
        var names = graph.NameScope();
        var byName = layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        foreach (var (layerName, format) in formats)
        {
            if (!byName.TryGetValue(layerName, out var layer)) throw new ArgumentException($"no Ristretto layer named '{layerName}'", nameof(formats));
            var node = graph.Nodes.Single(n => n.Name == layer.Name);
            node.Inputs[1] = QuantizedCopy(graph, names, layer.Weight, format.QuantizeWeights);
            if (layer.Bias is not null) node.Inputs[2] = QuantizedCopy(graph, names, layer.Bias, format.QuantizeBias);
            QuantizeInput(graph, names, node, layer, format);
            QuantizeOutput(graph, names, node, layer, format);
        }
        // The float originals of the quantized weights are read by nothing now.
        return UnusedInitializerRemoval.Run(simulation);
    }

    // A new initializer, so that a weight shared with another node keeps its float values there.
    private static string QuantizedCopy(ModelGraph graph, UniqueNames names, string initializer, SpanAction quantize)
    {
        var source = graph.Initializers[initializer];
        var values = TensorData.ReadFloats(source);
        quantize(values);
        var name = names.Make($"{initializer}_ristretto");
        graph.AddInitializer(name, TensorData.FromFloats(source.Dims, values));
        return name;
    }

    private delegate void SpanAction(Span<float> values);

    private static void QuantizeInput(ModelGraph graph, UniqueNames names, Node node, RistrettoLayer layer, RistrettoLayerFormat format)
    {
        var quantized = names.Make($"{layer.Input}_ristretto_in");
        var nodes = Activation(graph, names, $"{layer.Name}/ristretto_in", layer.Input, quantized, format.Minifloat, format.LayerIn);
        if (nodes.Count == 0) return;
        node.Inputs[0] = quantized;
        graph.Nodes.InsertRange(graph.Nodes.IndexOf(node), nodes);
    }

    private static void QuantizeOutput(ModelGraph graph, UniqueNames names, Node node, RistrettoLayer layer, RistrettoLayerFormat format)
    {
        // The layer writes a new tensor and the subgraph takes over the original name, so every
        // consumer (and a graph output) sees the quantized top.
        var raw = names.Make($"{layer.Output}_ristretto_raw");
        var nodes = Activation(graph, names, $"{layer.Name}/ristretto_out", raw, layer.Output, format.Minifloat, format.LayerOut);
        if (nodes.Count == 0) return;
        node.Outputs[0] = raw;
        graph.Nodes.InsertRange(graph.Nodes.IndexOf(node) + 1, nodes);
    }

    private static IReadOnlyList<Node> Activation(ModelGraph graph, UniqueNames names, string prefix, string input, string output, Minifloat? minifloat, DynamicFixedPoint? fixedPoint) =>
        minifloat is not null ? FakeQuantSubgraph.Build(graph, names, prefix, input, output, minifloat)
        : fixedPoint is not null ? FakeQuantSubgraph.Build(graph, names, prefix, input, output, fixedPoint)
        : [];
}
