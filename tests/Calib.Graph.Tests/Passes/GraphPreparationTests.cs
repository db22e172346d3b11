using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Passes;
using Calib.Tests.Shared;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Passes;

[TestClass]
public sealed class GraphPreparationTests
{
    private static readonly OnnxModel Sample = OnnxModelFile.Load(RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx"));

    [TestMethod]
    public void The_sample_model_loses_its_batchnorms_pads_and_constants_but_not_its_outputs()
    {
        var (prepared, changes) = GraphPreparation.Run(Sample, new GraphPreparation.Options());

        var ops = prepared.Graph.Nodes.Select(n => n.OpType).ToList();
        CollectionAssert.DoesNotContain(ops, "BatchNormalization");
        CollectionAssert.DoesNotContain(ops, "Pad");
        CollectionAssert.DoesNotContain(ops, "Constant");
        Assert.AreEqual(4, changes.Count(c => c.Description.StartsWith("folded BatchNormalization")));
        AssertSameOutputs(Sample, prepared, 1e-4f, [4, 1, 28, 28]);
    }

    [TestMethod]
    public void Without_fusion_batchnorms_stay()
    {
        var (prepared, _) = GraphPreparation.Run(Sample, new GraphPreparation.Options(DoFusion: false));
        Assert.AreEqual(4, prepared.Graph.Nodes.Count(n => n.OpType == "BatchNormalization"));
    }

    [TestMethod]
    public void Skip_fusion_layers_keep_their_batchnorm()
    {
        var (prepared, _) = GraphPreparation.Run(Sample, new GraphPreparation.Options(SkipFusionLayers: new HashSet<string> { "/conv1/Conv" }));
        var bn = prepared.Graph.Nodes.Single(n => n.OpType == "BatchNormalization");
        Assert.AreEqual("/conv1/Conv", prepared.Graph.ProducerOf(bn.Inputs[0])!.Name);
    }

    [TestMethod]
    [DataRow("Conv", 1L)]
    [DataRow("Conv", 2L)]
    [DataRow("ConvTranspose", 1L)]
    [DataRow("ConvTranspose", 2L)]
    public void Batchnorm_folds_into_convolutions(string op, long group)
    {
        var model = LayerWithBatchNorm(op, group, transB: 0);
        var (prepared, _) = GraphPreparation.Run(model, new GraphPreparation.Options());
        Assert.IsFalse(prepared.Graph.Nodes.Any(n => n.OpType == "BatchNormalization"));
        AssertSameOutputs(model, prepared, 1e-5f, [2, 4, 5, 5]);
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(1L)]
    public void Batchnorm_folds_into_gemm(long transB)
    {
        var model = LayerWithBatchNorm("Gemm", 1, transB);
        var (prepared, _) = GraphPreparation.Run(model, new GraphPreparation.Options());
        Assert.IsFalse(prepared.Graph.Nodes.Any(n => n.OpType == "BatchNormalization"));
        AssertSameOutputs(model, prepared, 1e-5f, [3, 4]);
    }

    [TestMethod]
    public void A_layer_output_read_elsewhere_keeps_its_batchnorm()
    {
        var model = LayerWithBatchNorm("Conv", 1, 0);
        model.Graph.Outputs.Add(ValueInfos.Tensor("layer_out", DataType.Float, 2, 6, 5, 5));
        var (prepared, _) = GraphPreparation.Run(model, new GraphPreparation.Options());
        Assert.IsTrue(prepared.Graph.Nodes.Any(n => n.OpType == "BatchNormalization"));
    }

    [TestMethod]
    public void Identity_feeding_a_graph_output_hands_its_name_to_the_producer()
    {
        var graph = new ModelGraph("identity");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 2, 3));
        graph.AddNode("Relu", "", ["x"], ["r"]);
        graph.AddNode("Identity", "", ["r"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 2, 3));
        var (prepared, _) = GraphPreparation.Run(new OnnxModel(graph, 13), new GraphPreparation.Options());
        var relu = prepared.Graph.Nodes.Single();
        Assert.AreEqual("Relu_0", relu.Name);
        Assert.AreEqual("y", relu.Outputs[0]);
    }

    [TestMethod]
    public void Unnamed_and_repeated_node_names_become_unique()
    {
        var graph = new ModelGraph("names");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1));
        graph.AddNode("Relu", "a", ["x"], ["r1"]);
        graph.AddNode("Relu", "a", ["r1"], ["r2"]);
        graph.AddNode("Relu", "", ["r2"], ["r3"]);
        graph.AddNode("Relu", "Relu_0", ["r3"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 1));
        var model = new OnnxModel(graph, 13);
        new NodeNaming().Apply(model);
        CollectionAssert.AreEqual(new[] { "a", "a_0", "Relu_1", "Relu_0" }, model.Graph.Nodes.Select(n => n.Name).ToArray());
    }

    // x → layer (random weights, with bias) → BatchNormalization (random statistics) → y.
    private static OnnxModel LayerWithBatchNorm(string op, long group, long transB)
    {
        var random = new Random(3);
        float[] Random(int n, float lo, float hi) => [.. Enumerable.Range(0, n).Select(_ => lo + (float)random.NextDouble() * (hi - lo))];
        var graph = new ModelGraph("bn");
        const int channels = 6;
        if (op == "Gemm")
        {
            graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 4));
            graph.AddInitializer("w", TensorData.FromFloats(transB == 1 ? [channels, 4] : [4, channels], Random(24, -1, 1)));
            graph.AddInitializer("b", TensorData.FromFloats([channels], Random(channels, -1, 1)));
            var gemm = graph.AddNode("Gemm", "layer", ["x", "w", "b"], ["layer_out"]);
            gemm.Attributes.Set("transB", transB);
            gemm.Attributes.Set("beta", 0.5f);
        }
        else
        {
            graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 4, 5, 5));
            long[] dims = op == "Conv" ? [channels, 4 / group, 3, 3] : [4, channels / group, 3, 3];
            graph.AddInitializer("w", TensorData.FromFloats(dims, Random(channels * 4 / (int)group * 9, -1, 1)));
            graph.AddInitializer("b", TensorData.FromFloats([channels], Random(channels, -1, 1)));
            var layer = graph.AddNode(op, "layer", ["x", "w", "b"], ["layer_out"]);
            layer.Attributes.Set("group", group);
            layer.Attributes.Set("pads", [1L, 1, 1, 1]);
        }
        graph.AddInitializer("gamma", TensorData.FromFloats([channels], Random(channels, 0.5f, 2)));
        graph.AddInitializer("beta", TensorData.FromFloats([channels], Random(channels, -1, 1)));
        graph.AddInitializer("mean", TensorData.FromFloats([channels], Random(channels, -1, 1)));
        graph.AddInitializer("var", TensorData.FromFloats([channels], Random(channels, 0.1f, 3)));
        graph.AddNode("BatchNormalization", "bn", ["layer_out", "gamma", "beta", "mean", "var"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, null));
        return new OnnxModel(graph, 13);
    }

    private static void AssertSameOutputs(OnnxModel expected, OnnxModel actual, float tolerance, int[] inputShape)
    {
        using var a = ModelRunner.Create(expected);
        using var b = ModelRunner.Create(actual);
        var input = TestModels.Values(5, inputShape);
        var shape = inputShape.Select(d => (long)d).ToArray();
        using var ra = a.Run(a.InputNames[0], input, shape);
        using var rb = b.Run(b.InputNames[0], input, shape);
        var x = ra.Floats(a.OutputNames[0]).ToArray();
        var y = rb.Floats(b.OutputNames[0]).ToArray();
        Assert.AreEqual(x.Length, y.Length);
        var worst = x.Zip(y).Max(p => Math.Abs(p.First - p.Second));
        Assert.IsTrue(worst <= tolerance * Math.Max(1, x.Max(Math.Abs)), $"max abs difference {worst}");
    }
}
