using Calib.Graph.Ir;
using Calib.Graph.Onnx;

namespace Calib.Cli.Tests;

/// <summary>Checks on the ONNX files a command wrote.</summary>
internal static class WrittenModels
{
    /// <summary>The initializers of <paramref name="model"/> that no node, graph output or subgraph reads.</summary>
    public static IReadOnlyList<string> UnusedInitializers(OnnxModel model)
    {
        var graph = model.Graph;
        var read = graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        read.UnionWith(graph.NamesReadBySubgraphs());
        return graph.Initializers.Keys.Where(name => !read.Contains(name)).ToList();
    }

    /// <summary>Fails naming each .onnx file under <paramref name="directory"/> with an unused initializer; returns the files checked.</summary>
    public static IReadOnlyList<string> AssertNoUnusedInitializers(string directory)
    {
        var files = Directory.GetFiles(directory, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var problems = files
            .Select(f => (File: f, Unused: UnusedInitializers(OnnxModelFile.Load(f))))
            .Where(p => p.Unused.Count > 0)
            .Select(p => $"{Path.GetFileName(p.File)}: {p.Unused.Count} unused ({string.Join(", ", p.Unused.Take(3))})")
            .ToList();
        Assert.IsEmpty(problems, string.Join("\n", problems));
        return files;
    }
}
