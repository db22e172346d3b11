using System.Text.Json;
using Calib.Algorithms.Calibration;
using Calib.Graph;
using Calib.Graph.Ir;
using Calib.Graph.Quantization;

namespace Calib.Algorithms.Retrain;

/// <summary>
/// The node a deploy tensor stands for: the layer or mixing op (Conv, Gemm, Add, AveragePool, …) whose
/// activation output it is — through a Relu or Clip folded into that output — or null for a graph input.
/// Tensor names do not survive fine-tuning (PyTorch folds BatchNorm, so a Conv output is no longer called
/// <c>…/BatchNormalization_output_0</c>; <c>nn.Sequential</c> wrappers and exporters rename nodes), but
/// the node a range belongs to does: by name, or else as the <see cref="Index"/>-th of the
/// <see cref="Count"/> nodes of its op type in graph order.
/// </summary>
/// <param name="Node">The node's name.</param>
/// <param name="OpType">Its op type.</param>
/// <param name="Index">Its position among the graph's nodes of that op type, from 0.</param>
/// <param name="Count">How many nodes of that op type the graph has.</param>
public sealed record TensorProducer(string Node, string OpType, int Index, int Count)
{
    /// <summary>The producer of <paramref name="tensor"/> in <paramref name="graph"/>; null for a graph input or an unknown tensor.</summary>
    public static TensorProducer? Of(ModelGraph graph, string tensor)
    {
        if (graph.ProducerOf(tensor) is not { } producer) return null;
        // A deploy tensor after a folded Relu/Clip is its source node's activation output.
        if (producer.Inputs.Count > 0 && graph.ProducerOf(producer.Inputs[0]) is { } source
            && source != producer && DeployTensorPlan.ActivationOutput(graph, source) == tensor)
            producer = source;
        var sameOp = graph.Nodes.Where(n => n.OpType == producer.OpType).ToList();
        return new TensorProducer(producer.Name, producer.OpType, sameOp.IndexOf(producer), sameOp.Count);
    }

    /// <summary>Writes this as the <c>producer</c> object of a retrain config tensor entry.</summary>
    public void Write(Utf8JsonWriter json)
    {
        json.WriteStartObject("producer");
        json.WriteString("node", Node);
        json.WriteString("op_type", OpType);
        json.WriteNumber("index", Index);
        json.WriteNumber("count", Count);
        json.WriteEndObject();
    }

    /// <summary>Reads the <c>producer</c> object of a tensor entry; null when the entry has none (a graph input, or an older file).</summary>
    public static TensorProducer? Read(JsonElement entry) =>
        entry.TryGetProperty("producer", out var p) && p.ValueKind == JsonValueKind.Object
            ? new TensorProducer(p.GetProperty("node").GetString()!, p.GetProperty("op_type").GetString()!, p.GetProperty("index").GetInt32(), p.GetProperty("count").GetInt32())
            : null;

    /// <summary>How an error names it.</summary>
    public override string ToString() => $"the output of {OpType} '{Node}'";
}

/// <summary>
/// Finds, for each deploy tensor of a fine-tuned model, the range <c>calib retrain export</c> wrote for
/// the same place in the network: the same tensor name, else the same producing node name, else the
/// node of the same op type at the same position (when both graphs have equally many of that op type).
/// </summary>
public static class LayerRangeMatching
{
    /// <summary>
    /// The exported range of each of <paramref name="tensors"/> of <paramref name="graph"/> (the prepared
    /// fine-tuned model), renamed to the fine-tuned tensor.
    /// </summary>
    /// <param name="graph">The fine-tuned model after graph preparation.</param>
    /// <param name="tensors">The deploy tensors that need an exported range.</param>
    /// <param name="ranges">The export's ranges, by its tensor names.</param>
    /// <param name="producers">The export's producer of each of its tensors (null entries: graph inputs or an older file).</param>
    /// <param name="rangesPath">The ranges file, for errors.</param>
    /// <exception cref="CalibException">A tensor has no counterpart in the export.</exception>
    public static Dictionary<string, ActivationQuantization> Match(ModelGraph graph, IEnumerable<string> tensors,
        IReadOnlyDictionary<string, ActivationQuantization> ranges, IReadOnlyDictionary<string, TensorProducer?> producers, string rangesPath)
    {
        var matched = new Dictionary<string, ActivationQuantization>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
            matched[tensor] = Find(graph, tensor, ranges, producers)
                ?? throw new CalibException(
                    $"'{rangesPath}' has no range for tensor '{tensor}' ({TensorProducer.Of(graph, tensor)?.ToString() ?? "a graph input"}), which the deploy model quantizes: " +
                    "the export has no tensor of that name, node or position. Give --calib-set images to measure it.");
        return matched;
    }

    /// <summary>The exported range of <paramref name="tensor"/> (see <see cref="Match"/>), renamed to it; null when the export has none for it.</summary>
    public static ActivationQuantization? Find(ModelGraph graph, string tensor, IReadOnlyDictionary<string, ActivationQuantization> ranges,
        IReadOnlyDictionary<string, TensorProducer?> producers) =>
        FindExported(graph, tensor, ranges, producers, out _) is { } source ? ranges[source] with { Tensor = tensor } : null;

    private static string? FindExported(ModelGraph graph, string tensor, IReadOnlyDictionary<string, ActivationQuantization> ranges,
        IReadOnlyDictionary<string, TensorProducer?> producers, out TensorProducer? producer)
    {
        producer = TensorProducer.Of(graph, tensor);
        if (ranges.ContainsKey(tensor)) return tensor;
        if (producer is null) return GraphInput(graph, tensor, producers);
        var wanted = producer;
        var candidates = producers.Where(p => p.Value is not null && ranges.ContainsKey(p.Key)).ToList();
        return candidates.FirstOrDefault(p => p.Value!.Node == wanted.Node && p.Value.OpType == wanted.OpType).Key
            ?? candidates.FirstOrDefault(p => p.Value!.OpType == wanted.OpType && p.Value.Count == wanted.Count && p.Value.Index == wanted.Index).Key;
    }

    // An exporter may rename the input; with one input on each side it is the same tensor.
    private static string? GraphInput(ModelGraph graph, string tensor, IReadOnlyDictionary<string, TensorProducer?> producers)
    {
        if (graph.RuntimeInputs.Count() != 1 || graph.RuntimeInputs.Single().Name != tensor) return null;
        var inputs = producers.Where(p => p.Value is null).Select(p => p.Key).ToList();
        return inputs.Count == 1 ? inputs[0] : null;
    }
}
