using System.Text;
using Calib.Graph.Caffe.Proto;
using Calib.Graph.Onnx.Proto;
using Google.Protobuf;

namespace Calib.Cli.Tests.Hardening;

/// <summary>The valid inputs the fuzz test mutates, built in code so that each is small and touches many code paths.</summary>
internal static class FuzzSeeds
{
    /// <summary>
    /// A deploy prototxt with an Input layer and the layer kinds calib imports most often: Convolution,
    /// BatchNorm + Scale, ReLU, average Pooling, InnerProduct, Softmax.
    /// </summary>
    public const string Prototxt = """
        name: "fuzz"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 8 dim: 8 } } }
        layer {
          name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
          convolution_param { num_output: 2 kernel_size: 3 pad: 1 stride: 1 }
        }
        layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param { use_global_stats: true eps: 1e-5 } }
        layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
        layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
        layer { name: "ip1" type: "InnerProduct" bottom: "pool1" top: "ip1" inner_product_param { num_output: 3 } }
        layer { name: "prob" type: "Softmax" bottom: "ip1" top: "prob" }
        """;

    /// <summary>An AMCT simplified configuration for the sample model using every message of the format.</summary>
    public const string Cfg = """
        batch_num: 2
        activation_offset: true
        do_fusion: true
        skip_fusion_layers: "/conv1/Conv"
        common_config {
          arq_quantize { channel_wise: true }
          ifmr_quantize { search_range_start: 0.7 search_range_end: 1.3 search_step: 0.01 max_percentile: 0.999999 min_percentile: 0.999999 asymmetric: true }
        }
        override_layer_types { layer_type: "Conv" calibration_config { hfmg_quantize { num_of_bins: 4096 asymmetric: false } } }
        override_layer_configs { layer_name: "/fc1/Gemm" calibration_config { percentile_quantize { percentile: 0.9999 } } }
        override_layer_configs { layer_name: "/conv3/Conv" calibration_config { mse_quantize { asymmetric: true } } }
        skip_layers: "/fc2/Gemm"
        skip_layer_types: "AveragePool"
        """;

    /// <summary>The caffemodel that goes with <see cref="Prototxt"/>.</summary>
    public static byte[] Caffemodel()
    {
        var random = new Random(7);
        BlobProto Blob(params long[] dims)
        {
            var blob = new BlobProto { Shape = new BlobShape() };
            blob.Shape.Dim.AddRange(dims);
            blob.Data.AddRange(Enumerable.Range(0, (int)dims.Aggregate(1L, (a, d) => a * d)).Select(_ => (float)random.NextDouble() + 0.1f));
            return blob;
        }
        var net = new NetParameter
        {
            Name = "fuzz",
            Layer =
            {
                new LayerParameter { Name = "conv1", Type = "Convolution", Blobs = { Blob(2, 1, 3, 3), Blob(2) } },
                new LayerParameter { Name = "bn1", Type = "BatchNorm", Blobs = { Blob(2), Blob(2), Blob(1) } },
                new LayerParameter { Name = "scale1", Type = "Scale", Blobs = { Blob(2), Blob(2) } },
                new LayerParameter { Name = "ip1", Type = "InnerProduct", Blobs = { Blob(3, 32), Blob(3) } },
            },
        };
        return net.ToByteArray();
    }

    /// <summary>A float32 .npy tensor [1,4,4] (version 1.0), a calibration sample for <see cref="TinyOnnx"/>.</summary>
    public static byte[] Npy()
    {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 4), }";
        header = header.PadRight(64 - 10 - 1) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 };
        bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        bytes.AddRange(Encoding.Latin1.GetBytes(header));
        for (var i = 0; i < 16; i++) bytes.AddRange(BitConverter.GetBytes(i / 8f - 1f));
        return [.. bytes];
    }

    /// <summary>A one-layer ONNX model: x [1,1,4,4] → Conv 1×1 (2 channels, bias) → Relu → y.</summary>
    public static byte[] TinyOnnx()
    {
        var graph = new GraphProto { Name = "tiny" };
        graph.Input.Add(Tensor("x", 1, 1, 4, 4));
        graph.Output.Add(Tensor("y", 1, 2, 4, 4));
        graph.Initializer.Add(Floats("w", [2, 1, 1, 1], [0.5f, -0.25f]));
        graph.Initializer.Add(Floats("b", [2], [0.1f, 0.2f]));
        graph.Node.Add(new NodeProto { Name = "conv", OpType = "Conv", Input = { "x", "w", "b" }, Output = { "c" } });
        graph.Node.Add(new NodeProto { Name = "relu", OpType = "Relu", Input = { "c" }, Output = { "y" } });
        var model = new ModelProto { IrVersion = 8, ProducerName = "fuzz", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    private static ValueInfoProto Tensor(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    private static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = 1 };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }
}
