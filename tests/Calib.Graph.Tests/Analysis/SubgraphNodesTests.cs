using Calib.Graph.Analysis;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Graph.Tests.Analysis;

[TestClass]
public sealed class SubgraphNodesTests
{
    [TestMethod]
    public void A_branch_conv_reading_an_outer_scope_4d_filter_meets_the_restriction_and_stays_float_only_for_its_scope()
    {
        var model = OnnxModelFile.Load(ControlFlowModels.WriteIfModel());
        var owner = model.Graph.Nodes.Single(n => n.OpType == "If");

        var then = SubgraphNodes.Of(model.Graph, owner).Single(s => s.Node.Name == "conv_then");

        Assert.IsTrue(then.LooksQuantizable);
        Assert.AreEqual("inside an If branch: subgraph layers are not quantized", then.Reason);
    }

    [TestMethod]
    public void A_branch_conv_that_breaks_the_kinds_restriction_gives_that_restriction_first()
    {
        var model = OnnxModelFile.Load(ControlFlowModels.WriteIfModel());
        model.Graph.AddInitializer("w_else", TensorData.FromFloats([4, 4, 1], new float[16]));
        var owner = model.Graph.Nodes.Single(n => n.OpType == "If");

        var otherwise = SubgraphNodes.Of(model.Graph, owner).Single(s => s.Node.Name == "conv_else");

        Assert.IsFalse(otherwise.LooksQuantizable);
        Assert.AreEqual("filter is 3-D, not 4-D; inside an If branch: subgraph layers are not quantized", otherwise.Reason);
    }

    [TestMethod]
    public void A_branch_conv_whose_filter_is_computed_at_run_time_is_not_taken_for_a_layer()
    {
        var model = OnnxModelFile.Load(ControlFlowModels.WriteIfModel());
        model.Graph.Initializers.Remove("w_then");
        model.Graph.Inputs.Add(ValueInfos.Tensor("w_then", Onnx.Proto.TensorProto.Types.DataType.Float, 4, 4, 3, 3));
        var owner = model.Graph.Nodes.Single(n => n.OpType == "If");

        var then = SubgraphNodes.Of(model.Graph, owner).Single(s => s.Node.Name == "conv_then");

        Assert.IsFalse(then.LooksQuantizable);
        StringAssert.StartsWith(then.Reason, "weight 'w_then' is not a constant; ");
    }
}
