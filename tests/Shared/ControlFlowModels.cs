using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Onnx.Proto;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Tests.Shared;

/// <summary>Small models with control flow, written to temporary files for the tests of every project.</summary>
public static class ControlFlowModels
{
    /// <summary>
    /// x[batch,1,28,28] → Conv "conv_main" → If (mean > 0) with a Conv in each branch ("conv_then", "conv_else",
    /// both reading outer-scope weights) → output. Only conv_main is in the main graph.
    /// </summary>
    /// <returns>The model file's path.</returns>
    public static string WriteIfModel()
    {
        var random = new Random(5);
        TensorProto Floats(params long[] dims) => TensorData.FromFloats(dims,
            Enumerable.Range(0, (int)dims.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
        var graph = new ModelGraph("if_convs");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 1, 28, 28));
        graph.AddInitializer("w_main", Floats(4, 1, 3, 3));
        graph.AddInitializer("w_then", Floats(4, 4, 3, 3));
        graph.AddInitializer("w_else", Floats(4, 4, 1, 1));
        graph.AddInitializer("zero", TensorData.Scalar(0f));
        graph.AddNode("Conv", "conv_main", ["x", "w_main"], ["c"]).Attributes.Set("pads", [1L, 1, 1, 1]);
        graph.AddNode("ReduceMean", "mean", ["c"], ["m"]).Attributes.Set("keepdims", 0L);
        graph.AddNode("Greater", "positive", ["m", "zero"], ["cond"]);
        var node = graph.AddNode("If", "if", ["cond"], ["y"]);
        node.Attributes.Put(Branch("then_branch", new NodeProto
        {
            OpType = "Conv", Name = "conv_then", Input = { "c", "w_then" }, Output = { "then_out" },
            Attribute = { new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, 1, 1 } } },
        }));
        node.Attributes.Put(Branch("else_branch", new NodeProto { OpType = "Conv", Name = "conv_else", Input = { "c", "w_else" }, Output = { "else_out" } }));
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, null));
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "if_convs.onnx");
        OnnxModelFile.Save(new OnnxModel(graph, 13), path);
        return path;
    }

    private static AttributeProto Branch(string name, NodeProto conv)
    {
        var body = new GraphProto { Name = name };
        body.Node.Add(conv);
        body.Output.Add(ValueInfos.Tensor(conv.Output[0], DataType.Float, null));
        return new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = body };
    }
}
