using Calib.Graph.Ir;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests;

/// <summary>Small models built in code through the IR, covering every quantizability rule.</summary>
internal static class TestModels
{
    /// <summary>
    /// One of each case the layer finder judges: a plain Conv, a dilated Conv, a 1-D Conv,
    /// AveragePool, MaxPool, ConvTranspose with group 2 and with group 1, GlobalAveragePool,
    /// Gemm (plain and transA), MatMul with a constant weight, of two activations, and with the constant on the left.
    /// </summary>
    public static OnnxModel LayerZoo()
    {
        var random = new Random(7);
        var graph = new ModelGraph("layer_zoo");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 2, 8, 8));
        graph.Inputs.Add(ValueInfos.Tensor("x1d", DataType.Float, 1, 2, 8));
        Weight(graph, random, "w_conv", 4, 2, 3, 3);
        Weight(graph, random, "b_conv", 4);
        Weight(graph, random, "w_dilated", 4, 4, 3, 3);
        Weight(graph, random, "w_conv1d", 3, 2, 3);
        Weight(graph, random, "w_deconv_g2", 4, 2, 2, 2);
        Weight(graph, random, "w_deconv", 4, 4, 1, 1);
        Weight(graph, random, "w_gemm", 3, 4);
        Weight(graph, random, "w_gemm_ta", 4, 3);
        Weight(graph, random, "w_matmul", 4, 5);
        Weight(graph, random, "w_left", 3, 4);

        graph.AddNode("Conv", "conv_ok", ["x", "w_conv", "b_conv"], ["c1"]).Attributes.Set("pads", [1L, 1, 1, 1]);
        var dilated = graph.AddNode("Conv", "conv_dilated", ["c1", "w_dilated"], ["c2"]);
        dilated.Attributes.Set("dilations", [2L, 2]);
        dilated.Attributes.Set("pads", [2L, 2, 2, 2]);
        graph.AddNode("Conv", "conv_1d", ["x1d", "w_conv1d"], ["c1d"]);
        var avg = graph.AddNode("AveragePool", "avgpool", ["c2"], ["p1"]);
        avg.Attributes.Set("kernel_shape", [2L, 2]);
        avg.Attributes.Set("strides", [2L, 2]);
        graph.AddNode("MaxPool", "maxpool", ["p1"], ["p2"]).Attributes.Set("kernel_shape", [1L, 1]);
        var deconvG2 = graph.AddNode("ConvTranspose", "deconv_group2", ["p2", "w_deconv_g2"], ["d1"]);
        deconvG2.Attributes.Set("group", 2L);
        deconvG2.Attributes.Set("strides", [2L, 2]);
        graph.AddNode("ConvTranspose", "deconv_ok", ["d1", "w_deconv"], ["d2"]);
        graph.AddNode("GlobalAveragePool", "gap", ["d2"], ["g"]);
        graph.AddNode("Flatten", "flatten", ["g"], ["f"]);
        graph.AddNode("Gemm", "gemm_ok", ["f", "w_gemm"], ["y1"]).Attributes.Set("transB", 1L);
        graph.AddNode("Transpose", "transpose", ["f"], ["ft"]);
        graph.AddNode("Gemm", "gemm_transA", ["ft", "w_gemm_ta"], ["y2"]).Attributes.Set("transA", 1L);
        graph.AddNode("MatMul", "matmul_ok", ["f", "w_matmul"], ["y3"]);
        graph.AddNode("MatMul", "matmul_activations", ["f", "ft"], ["y4"]);
        graph.AddNode("MatMul", "matmul_constant_left", ["w_left", "ft"], ["y5"]);

        graph.Outputs.Add(ValueInfos.Tensor("y1", DataType.Float, "batch", 3));
        graph.Outputs.Add(ValueInfos.Tensor("y2", DataType.Float, "batch", 3));
        graph.Outputs.Add(ValueInfos.Tensor("y3", DataType.Float, "batch", 5));
        graph.Outputs.Add(ValueInfos.Tensor("y4", DataType.Float, "batch", "batch"));
        graph.Outputs.Add(ValueInfos.Tensor("c1d", DataType.Float, 1, 3, 6));
        return new OnnxModel(graph, opsetVersion: 13);
    }

    /// <summary>Deterministic input values for a tensor of the given shape.</summary>
    public static float[] Values(int seed, params int[] shape)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    private static void Weight(ModelGraph graph, Random random, string name, params int[] dims)
    {
        var values = Enumerable.Range(0, dims.Aggregate(1, (a, b) => a * b))
            .Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        graph.AddInitializer(name, TensorData.FromFloats(dims.Select(d => (long)d), values));
    }
}
