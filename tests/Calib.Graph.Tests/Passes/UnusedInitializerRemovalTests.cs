using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Calib.Graph.Passes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Passes;

[TestClass]
public sealed class UnusedInitializerRemovalTests
{
    [TestMethod]
    public void Only_initializers_nothing_reads_are_dropped()
    {
        var graph = new ModelGraph("g");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1, 3));
        foreach (var name in new[] { "w", "by_output", "by_subgraph", "stale", "stale_declared" })
            graph.AddInitializer(name, TensorData.FromFloats([3], [1f, 2f, 3f]));
        // An IR < 4 model declares initializers as graph inputs too: the declaration goes with it.
        graph.Inputs.Add(ValueInfos.Tensor("stale_declared", DataType.Float, 3));
        graph.AddNode("Mul", "mul", ["x", "w"], ["y"]);
        var branch = new GraphProto { Name = "then_branch" };
        branch.Node.Add(new NodeProto { OpType = "Identity", Input = { "by_subgraph" }, Output = { "then_out" } });
        branch.Output.Add(ValueInfos.Tensor("then_out", DataType.Float, null));
        graph.AddNode("If", "if", ["cond"], ["if_out"]).Attributes.Put(
            new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branch });
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 1, 3));
        graph.Outputs.Add(ValueInfos.Tensor("by_output", DataType.Float, 3));
        var model = new OnnxModel(graph, 13);

        var changes = new UnusedInitializerRemoval().Apply(model);

        CollectionAssert.AreEqual(new[] { "w", "by_output", "by_subgraph" }, graph.Initializers.Keys.ToArray());
        CollectionAssert.AreEqual(new[] { "x" }, graph.Inputs.Select(i => i.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "dropped unused initializer 'stale'", "dropped unused initializer 'stale_declared'" }, changes.ToArray());
        Assert.IsEmpty(new UnusedInitializerRemoval().Apply(model), "a second run finds nothing");
    }
}
