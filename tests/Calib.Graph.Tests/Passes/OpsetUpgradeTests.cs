using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Passes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Passes;

[TestClass]
public sealed class OpsetUpgradeTests
{
    // An opset-11 graph using every operator whose meaning changed by opset 13.
    private static OnnxModel Opset11Model()
    {
        var graph = new ModelGraph("opset11");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 2, 3, 4));
        var unsqueeze = graph.AddNode("Unsqueeze", "unsqueeze", ["x"], ["u"]);
        unsqueeze.Attributes.Set("axes", [0L]);
        var squeeze = graph.AddNode("Squeeze", "squeeze", ["u"], ["s"]);
        squeeze.Attributes.Set("axes", [0L]);
        var reduce = graph.AddNode("ReduceSum", "reduce", ["s"], ["r"]);
        reduce.Attributes.Set("axes", [2L]);
        var split = graph.AddNode("Split", "split", ["s"], ["a", "b"]);
        split.Attributes.Set("axis", 2L);
        split.Attributes.Set("split", [1L, 3]);
        graph.AddNode("Softmax", "softmax", ["s"], ["soft"]);
        var logSoftmax = graph.AddNode("LogSoftmax", "logsoftmax", ["b"], ["logsoft"]);
        logSoftmax.Attributes.Set("axis", -1L);
        graph.AddNode("Dropout", "dropout", ["a"], ["d"]).Attributes.Set("ratio", 0.5f);
        foreach (var output in new[] { "r", "soft", "logsoft", "d" })
            graph.Outputs.Add(ValueInfos.Tensor(output, DataType.Float, null));
        return new OnnxModel(graph, 11);
    }

    [TestMethod]
    public void Upgraded_models_compute_the_same_outputs()
    {
        var original = Opset11Model();
        var upgraded = original.Clone();

        var changes = new OpsetUpgrade().Apply(upgraded);

        CollectionAssert.AreEqual(new[] { "upgraded opset 11 → 13" }, changes.ToArray());
        Assert.AreEqual(13, upgraded.DefaultOpset);
        using var before = ModelRunner.Create(original);
        using var after = ModelRunner.Create(upgraded);
        var x = TestModels.Values(9, 2, 3, 4);
        using var a = before.Run("x", x, [2, 3, 4]);
        using var b = after.Run("x", x, [2, 3, 4]);
        foreach (var name in before.OutputNames)
        {
            CollectionAssert.AreEqual(a.Shape(name), b.Shape(name), name);
            CollectionAssert.AreEqual(a.Floats(name).ToArray(), b.Floats(name).ToArray(), name);
        }
    }

    [TestMethod]
    public void Models_older_than_opset_7_are_not_upgraded()
    {
        var old = Opset11Model();
        old.SetOpset("", 6);
        Assert.AreEqual("opset 6 is older than 7", OpsetUpgrade.Obstacle(old));
        Assert.AreEqual(0, new OpsetUpgrade().Apply(old).Count);
        Assert.IsNull(OpsetUpgrade.Obstacle(TestModels.LayerZoo()), "opset 13 needs no upgrade");
    }
}
