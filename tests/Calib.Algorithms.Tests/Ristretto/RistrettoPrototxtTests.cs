using System.Text.Json;
using Calib.Algorithms.Ristretto;
using Calib.Graph.Caffe.Proto;
using Calib.Graph.TextFormat;

namespace Calib.Algorithms.Tests.Ristretto;

/// <summary>Ristretto's layer types and quantization_param written into a NetParameter, read back, and as JSON.</summary>
[TestClass]
public sealed class RistrettoPrototxtTests
{
    private const string Net = """
        name: "tiny"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 8 dim: 8 } } }
        layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 2 kernel_size: 3 } }
        layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
        layer { name: "up" type: "Deconvolution" bottom: "conv" top: "up" convolution_param { num_output: 2 kernel_size: 2 stride: 2 } }
        layer { name: "fc" type: "InnerProduct" bottom: "up" top: "fc" inner_product_param { num_output: 3 } }
        """;

    private static readonly RistrettoLayer[] Layers =
    [
        new("conv", RistrettoLayerKind.Convolution, "data", "conv", "conv_w", null),
        new("up", RistrettoLayerKind.Deconvolution, "conv", "up", "up_w", null),
        new("fc", RistrettoLayerKind.InnerProduct, "up", "fc", "fc_w", "fc_b"),
    ];

    private static readonly KeyValuePair<string, RistrettoLayerFormat>[] Formats =
    [
        new("conv", new RistrettoLayerFormat { Precision = RistrettoPrecision.DynamicFixedPoint, Params = new(2, 3), LayerIn = new(8, 7), LayerOut = new(8, -1) }),
        new("up", new RistrettoLayerFormat { Precision = RistrettoPrecision.Minifloat, Minifloat = new(3, 4) }),
        new("fc", new RistrettoLayerFormat { Precision = RistrettoPrecision.IntegerPowerOf2Weights, PowerOfTwoWeights = PowerOfTwo.Ristretto, LayerIn = new(8, 2), LayerOut = new(8, 3) }),
    ];

    [TestMethod]
    public void Quantized_layers_take_ristretto_types_and_parameters_and_read_back()
    {
        var original = TextFormatReader.Parse<NetParameter>(Net, "tiny");
        var text = RistrettoPrototxt.Write(original, Layers, Formats);
        var net = TextFormatReader.Parse<NetParameter>(text, "quantized");
        CollectionAssert.AreEqual(new[] { "Input", "ConvolutionRistretto", "ReLU", "DeconvolutionRistretto", "FcRistretto" }, net.Layer.Select(l => l.Type).ToArray());

        var conv = net.Layer[1].QuantizationParam;
        Assert.AreEqual((QuantizationParameter.Types.Precision.DynamicFixedPoint, 2u, 3, 8u, 7, 8u, -1), (conv.Precision, conv.BwParams, conv.FlParams, conv.BwLayerIn, conv.FlLayerIn, conv.BwLayerOut, conv.FlLayerOut));
        Assert.IsTrue(conv.HasPrecision && conv.HasRoundingScheme, "precision and rounding are written even at their defaults");
        var up = net.Layer[3].QuantizationParam;
        Assert.AreEqual((QuantizationParameter.Types.Precision.Minifloat, 3u, 4u), (up.Precision, up.MantBits, up.ExpBits));
        Assert.IsFalse(up.HasBwParams);
        var fc = net.Layer[4].QuantizationParam;
        Assert.AreEqual((QuantizationParameter.Types.Precision.IntegerPowerOf2Weights, -8, -1, 8u, 2), (fc.Precision, fc.ExpMin, fc.ExpMax, fc.BwLayerIn, fc.FlLayerIn));

        Assert.AreEqual(original.Layer[2], net.Layer[2]);
        Assert.AreEqual(original.Layer[1].ConvolutionParam, net.Layer[1].ConvolutionParam);
        Assert.IsNull(original.Layer[1].QuantizationParam, "the input NetParameter is left unchanged");
    }

    [TestMethod]
    public void Onnx_models_get_the_same_fields_as_json()
    {
        var root = JsonDocument.Parse(RistrettoPrototxt.WriteJson("dynamic_fixed_point", Layers, Formats[..1])).RootElement;
        Assert.AreEqual("dynamic_fixed_point", root.GetProperty("trimming_mode").GetString());
        var layer = root.GetProperty("layers")[0];
        Assert.AreEqual("ConvolutionRistretto", layer.GetProperty("type").GetString());
        var q = layer.GetProperty("quantization_param");
        Assert.AreEqual("DYNAMIC_FIXED_POINT", q.GetProperty("precision").GetString());
        Assert.AreEqual("NEAREST", q.GetProperty("rounding_scheme").GetString());
        Assert.AreEqual(2, q.GetProperty("bw_params").GetInt32());
        Assert.AreEqual(-1, q.GetProperty("fl_layer_out").GetInt32());
        Assert.IsFalse(q.TryGetProperty("mant_bits", out _));
    }
}
