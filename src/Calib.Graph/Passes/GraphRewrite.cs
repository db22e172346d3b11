using Calib.Graph.Ir;

namespace Calib.Graph.Passes;

/// <summary>Small graph edits shared by the passes.</summary>
public static class GraphRewrite
{
    /// <summary>Points every reader of <paramref name="from"/> (nodes of this graph and graph outputs) at <paramref name="to"/>.</summary>
    public static void RenameTensorUses(ModelGraph graph, string from, string to)
    {
        foreach (var node in graph.Nodes)
            for (var i = 0; i < node.Inputs.Count; i++)
                if (node.Inputs[i] == from) node.Inputs[i] = to;
        foreach (var output in graph.Outputs.Where(o => o.Name == from)) output.Name = to;
    }

    /// <summary>Removes initializers that no node, graph output or subgraph reads (and their graph-input declarations); returns their names.</summary>
    public static IReadOnlyList<string> RemoveUnusedInitializers(ModelGraph graph)
    {
        var read = graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs.Select(o => o.Name))
            .Concat(graph.NamesReadBySubgraphs()).ToHashSet(StringComparer.Ordinal);
        var unused = graph.Initializers.Keys.Where(k => !read.Contains(k)).ToList();
        foreach (var name in unused)
        {
            graph.Initializers.Remove(name);
            graph.Inputs.RemoveAll(i => i.Name == name);
        }
        return unused;
    }

    /// <summary>
    /// Removes a node whose first output equals its first input (Identity, inference Dropout,
    /// a zero Pad). Returns false, leaving the graph as it was, when removal would rename a
    /// graph input or output or a tensor that subgraphs read.
    /// </summary>
    public static bool RemovePassThrough(ModelGraph graph, Node node, IReadOnlySet<string> readBySubgraphs)
    {
        var input = node.Inputs[0];
        var output = node.Outputs[0];
        if (node.Outputs.Skip(1).Any(o => o.Length > 0 && graph.ConsumersOf(o).Any() || graph.IsGraphOutput(o)))
            return false;
        if (!graph.IsGraphOutput(output) && !readBySubgraphs.Contains(output))
        {
            graph.Nodes.Remove(node);
            RenameTensorUses(graph, output, input);
            return true;
        }
        // The output name must survive: the producer of the input takes it over instead.
        var producer = graph.ProducerOf(input);
        if (producer is null || graph.IsGraphOutput(input) || readBySubgraphs.Contains(input)) return false;
        graph.Nodes.Remove(node);
        producer.Outputs[producer.Outputs.IndexOf(input)] = output;
        RenameTensorUses(graph, input, output);
        graph.ValueInfos.Remove(input);
        return true;
    }
}
