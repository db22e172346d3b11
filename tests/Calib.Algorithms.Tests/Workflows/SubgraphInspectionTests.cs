using Calib.Algorithms.Preparation;
using Calib.Algorithms.Workflows;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Workflows;

/// <summary>Layers inside If/Loop/Scan bodies are listed by inspect, each with why it stays float, and run agrees.</summary>
[TestClass]
public sealed class SubgraphInspectionTests
{
    [TestMethod]
    public void The_convs_of_both_if_branches_follow_the_if_with_their_reason()
    {
        var report = Inspection.Inspect(new ModelSource(ControlFlowModels.WriteIfModel()), null);

        var names = report.Layers.Select(l => l.Name).ToList();
        var ifIndex = names.IndexOf("if");
        CollectionAssert.AreEqual(new[] { "if", "if/then_branch/conv_then", "if/else_branch/conv_else" }, names.Skip(ifIndex).Take(3).ToArray());
        foreach (var row in report.Layers.Skip(ifIndex + 1).Take(2))
        {
            Assert.AreEqual("Conv", row.Op);
            Assert.IsFalse(row.Quantizable, row.Name);
            Assert.AreEqual("inside an If branch: subgraph layers are not quantized", row.Reason);
            Assert.AreEqual(report.Layers[ifIndex].Index, row.Index, "a body's rows carry their If's index");
            StringAssert.StartsWith(row.Name, row.Subgraph + "/");
        }
        Assert.IsNull(report.Layers[ifIndex].Subgraph);
        CollectionAssert.AreEqual(new[] { "conv_main" }, report.Layers.Where(l => l.Quantizable).Select(l => l.Name).ToArray());
    }

    [TestMethod]
    public void Run_quantizes_the_main_graph_conv_only_as_inspect_says()
    {
        var quantized = InspectRunAgreementTests.AssertRunAgreesWithInspect(ControlFlowModels.WriteIfModel(), expectedCount: 1);

        CollectionAssert.AreEqual(new[] { "conv_main" }, quantized.ToArray());
    }
}
