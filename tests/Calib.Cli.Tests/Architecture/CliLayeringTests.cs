using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Calib.Cli.Tests.Architecture;

/// <summary>
/// The command line parses flags, calls a workflow and renders: it references no graph pass, shape
/// inference or layer analysis type. Checked on the compiled calib.dll's type references, so no
/// spelling of a reference escapes it.
/// </summary>
[TestClass]
public sealed class CliLayeringTests
{
    private static readonly string[] Forbidden = ["Calib.Graph.Passes", "Calib.Graph.Shapes", "Calib.Graph.Analysis"];

    [TestMethod]
    public void The_cli_references_no_graph_pass_shape_or_analysis_type()
    {
        using var stream = File.OpenRead(typeof(CalibApp).Assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var used = metadata.TypeReferences
            .Select(handle => metadata.GetTypeReference(handle))
            .Select(reference => metadata.GetString(reference.Namespace))
            .ToHashSet();

        Assert.IsTrue(used.Contains("Calib.Algorithms.Workflows"), "the check reads the right assembly");
        CollectionAssert.AreEquivalent(Array.Empty<string>(), used.Intersect(Forbidden).ToArray());
    }
}
