using Calib.Graph.Analysis;
using Calib.Graph.Caffe.Proto;
using Calib.Graph.Passes;
using static Calib.Graph.Tests.Caffe.CaffeTestNets;
using EltwiseOp = Calib.Graph.Caffe.Proto.EltwiseParameter.Types.EltwiseOp;
using NormRegion = Calib.Graph.Caffe.Proto.LRNParameter.Types.NormRegion;

namespace Calib.Graph.Tests.Caffe;

/// <summary>Each supported layer type against Caffe's formula, computed here element by element.</summary>
[TestClass]
public sealed class CaffeLayerMappingTests
{
    private static readonly long[] Shape = [2, 3, 4, 5];
    private static readonly float[] Input = Values(2 * 3 * 4 * 5, seed: 1);

    [TestMethod]
    public void Element_wise_activations()
    {
        var relu = Layer("relu", "ReLU", ["data"], ["relu"]);
        relu.ReluParam = new ReLUParameter { NegativeSlope = 0.1f };
        var elu = Layer("elu", "ELU", ["data"], ["elu"]);
        elu.EluParam = new ELUParameter { Alpha = 0.5f };
        var power = Layer("power", "Power", ["data"], ["power"]);
        power.PowerParam = new PowerParameter { Power = 2f, Scale = 0.5f, Shift = 1f };
        var prelu = Layer("prelu", "PReLU", ["data"], ["prelu"], Blob([1], [0.25f]));
        prelu.PreluParam = new PReLUParameter { ChannelShared = true };
        var net = Net(Shape, relu, elu, power, prelu,
            Layer("sigmoid", "Sigmoid", ["data"], ["sigmoid"]),
            Layer("tanh", "TanH", ["data"], ["tanh"]),
            Layer("abs", "AbsVal", ["data"], ["abs"]));
        var import = Import(net);
        var results = Run(import, Input, Shape, "relu", "elu", "power", "prelu", "sigmoid", "tanh", "abs");

        AssertClose(Input.Select(x => x > 0 ? x : 0.1f * x).ToArray(), results["relu"].Values, what: "ReLU");
        AssertClose(Input.Select(x => x > 0 ? x : 0.5f * MathF.Exp(x) - 0.5f).ToArray(), results["elu"].Values, what: "ELU");
        AssertClose(Input.Select(x => MathF.Pow(1f + 0.5f * x, 2f)).ToArray(), results["power"].Values, what: "Power");
        AssertClose(Input.Select(x => x > 0 ? x : 0.25f * x).ToArray(), results["prelu"].Values, what: "PReLU");
        AssertClose(Input.Select(x => 1f / (1f + MathF.Exp(-x))).ToArray(), results["sigmoid"].Values, what: "Sigmoid");
        AssertClose(Input.Select(MathF.Tanh).ToArray(), results["tanh"].Values, what: "TanH");
        AssertClose(Input.Select(MathF.Abs).ToArray(), results["abs"].Values, what: "AbsVal");
        Assert.AreEqual("LeakyRelu", import.Model.Graph.Nodes.Single(n => n.Name == "relu").OpType);
    }

    [TestMethod]
    public void PReLU_has_one_slope_per_channel()
    {
        var slopes = new[] { 0.1f, -0.5f, 2f };
        var (actual, _) = RunNet(Net(Shape, Layer("prelu", "PReLU", ["data"], ["prelu"], Blob([3], slopes))), Input, "prelu");
        AssertClose(Input.Select((x, i) => x > 0 ? x : slopes[i / 20 % 3] * x).ToArray(), actual);
    }

    [TestMethod]
    public void Softmax_runs_over_caffes_single_axis()
    {
        var softmax = Layer("prob", "Softmax", ["data"], ["prob"]);
        softmax.SoftmaxParam = new SoftmaxParameter { Axis = 2 };
        var (actual, _) = RunNet(Net(Shape, softmax), Input, "prob");
        var expected = new float[Input.Length];
        for (var n = 0; n < 2; n++)
            for (var c = 0; c < 3; c++)
                for (var w = 0; w < 5; w++)
                {
                    int At(int h) => ((n * 3 + c) * 4 + h) * 5 + w;
                    var sum = Enumerable.Range(0, 4).Sum(h => Math.Exp(Input[At(h)]));
                    for (var h = 0; h < 4; h++) expected[At(h)] = (float)(Math.Exp(Input[At(h)]) / sum);
                }
        AssertClose(expected, actual);
    }

    [TestMethod]
    public void Eltwise_sum_with_coefficients_product_and_max()
    {
        var sum = Layer("sum", "Eltwise", ["data", "t", "s"], ["sum"]);
        sum.EltwiseParam = new EltwiseParameter { Operation = EltwiseOp.Sum };
        sum.EltwiseParam.Coeff.AddRange([0.5f, -2f, 1f]);
        var product = Layer("product", "Eltwise", ["data", "t", "s"], ["product"]);
        product.EltwiseParam = new EltwiseParameter { Operation = EltwiseOp.Prod };
        var max = Layer("max", "Eltwise", ["data", "t"], ["max"]);
        max.EltwiseParam = new EltwiseParameter { Operation = EltwiseOp.Max };
        var plain = Layer("plain", "Eltwise", ["t", "s"], ["plain"]);
        var net = Net(Shape, Layer("tanh", "TanH", ["data"], ["t"]), Layer("sigmoid", "Sigmoid", ["data"], ["s"]), sum, product, max, plain);
        var results = Run(Import(net), Input, Shape, "sum", "product", "max", "plain");

        var t = Input.Select(MathF.Tanh).ToArray();
        var s = Input.Select(x => 1f / (1f + MathF.Exp(-x))).ToArray();
        AssertClose(Input.Select((x, i) => 0.5f * x - 2f * t[i] + s[i]).ToArray(), results["sum"].Values, what: "SUM");
        AssertClose(Input.Select((x, i) => x * t[i] * s[i]).ToArray(), results["product"].Values, what: "PROD");
        AssertClose(Input.Select((x, i) => Math.Max(x, t[i])).ToArray(), results["max"].Values, what: "MAX");
        AssertClose(t.Select((x, i) => x + s[i]).ToArray(), results["plain"].Values, what: "SUM without coeff");
    }

    [TestMethod]
    public void BatchNorm_divides_its_statistics_by_the_moving_average_factor_and_joins_the_following_Scale()
    {
        float[] mean = [0.5f, -1f, 2f], variance = [4f, 0.25f, 1f], gamma = [2f, 0.5f, -1f], beta = [0.1f, 0.2f, 0.3f];
        const float factor = 0.5f, eps = 1e-3f;
        var bn = Layer("bn", "BatchNorm", ["data"], ["data_bn"], Blob([3], mean), Blob([3], variance), Blob([1], [factor]));
        bn.BatchNormParam = new BatchNormParameter { Eps = eps };
        var scale = Layer("scale", "Scale", ["data_bn"], ["data_bn"], Blob([3], gamma), Blob([3], beta));
        scale.ScaleParam = new ScaleParameter { BiasTerm = true };
        var import = Import(Net(Shape, bn, scale));
        var (actual, _) = Run(import, Input, Shape, "data_bn")["data_bn"];

        Assert.AreEqual("BatchNormalization", import.Model.Graph.Nodes.Single().OpType);
        Assert.AreEqual("bn", import.Model.Graph.Nodes.Single().Name);
        Assert.AreEqual("bn", import.MergedLayers["scale"]);
        var expected = Input.Select((x, i) =>
        {
            var c = i / 20 % 3;
            return (float)(gamma[c] * (x - mean[c] / factor) / Math.Sqrt(variance[c] / factor + eps) + beta[c]);
        }).ToArray();
        AssertClose(expected, actual);
    }

    [TestMethod]
    public void A_zero_moving_average_factor_zeroes_the_statistics()
    {
        var bn = Layer("bn", "BatchNorm", ["data"], ["bn"], Blob([3], [1f, 2f, 3f]), Blob([3], [4f, 5f, 6f]), Blob([1], [0f]));
        var (actual, _) = RunNet(Net(Shape, bn), Input, "bn");
        AssertClose(Input.Select(x => (float)(x / Math.Sqrt(1e-5))).ToArray(), actual);
    }

    [TestMethod]
    public void Convolution_BatchNorm_and_Scale_fold_into_the_convolution()
    {
        var conv = Layer("conv", "Convolution", ["data"], ["conv"], Blob([4, 3, 3, 3], Values(108, 2)), Blob([4], Values(4, 3)));
        conv.ConvolutionParam = new ConvolutionParameter { NumOutput = 4 };
        conv.ConvolutionParam.KernelSize.Add(3);
        var bn = Layer("bn", "BatchNorm", ["conv"], ["conv"], Blob([4], [0.1f, 0.2f, 0.3f, 0.4f]), Blob([4], [1f, 2f, 3f, 4f]), Blob([1], [1f]));
        var scale = Layer("scale", "Scale", ["conv"], ["conv"], Blob([4], [1f, -1f, 2f, 0.5f]), Blob([4], [0f, 1f, 0f, -1f]));
        scale.ScaleParam = new ScaleParameter { BiasTerm = true };
        var import = Import(Net(Shape, conv, bn, scale, Layer("relu", "ReLU", ["conv"], ["conv"])));
        var (prepared, _) = GraphPreparation.Run(import.Model, new GraphPreparation.Options());

        CollectionAssert.AreEqual(new[] { "Conv", "Relu" }, prepared.Graph.Nodes.Select(n => n.OpType).ToArray());
        Assert.AreEqual("conv", prepared.Graph.Nodes[0].Name);
        var before = Run(import, Input, Shape, "conv")["conv"].Values;
        var after = Run(import with { Model = prepared }, Input, Shape, "conv")["conv"].Values;
        AssertClose(before, after);
    }

    [TestMethod]
    public void Scale_and_Bias_broadcast_over_trailing_axes()
    {
        var scale = Layer("scale", "Scale", ["data"], ["scaled"], Blob([3, 4], Values(12, 4)));
        scale.ScaleParam = new ScaleParameter { Axis = 1, NumAxes = 2 };
        var bias = Layer("bias", "Bias", ["data"], ["biased"], Blob([3], [1f, 2f, 3f]));
        var results = Run(Import(Net(Shape, scale, bias)), Input, Shape, "scaled", "biased");

        var factors = Values(12, 4);
        AssertClose(Input.Select((x, i) => x * factors[i / 5 % 12]).ToArray(), results["scaled"].Values, what: "Scale");
        AssertClose(Input.Select((x, i) => x + 1 + i / 20 % 3).ToArray(), results["biased"].Values, what: "Bias");
    }

    [TestMethod]
    public void Scale_by_a_second_bottom_covering_the_leading_axes()
    {
        var pool = Layer("pool", "Pooling", ["data"], ["pool"]);
        pool.PoolingParam = new PoolingParameter { Pool = PoolingParameter.Types.PoolMethod.Max, GlobalPooling = true };
        var flat = Layer("flat", "Reshape", ["pool"], ["factor"]);
        flat.ReshapeParam = new ReshapeParameter { Shape = new BlobShape() };
        flat.ReshapeParam.Shape.Dim.AddRange([0, -1]);
        var scale = Layer("scale", "Scale", ["data", "factor"], ["scaled"]);
        scale.ScaleParam = new ScaleParameter { Axis = 0 };
        var (actual, _) = RunNet(Net(Shape, pool, flat, scale), Input, "scaled");

        var maxima = Enumerable.Range(0, 6).Select(plane => Input.Skip(plane * 20).Take(20).Max()).ToArray();
        AssertClose(Input.Select((x, i) => x * maxima[i / 20]).ToArray(), actual);
    }

    [TestMethod]
    public void InnerProduct_on_axis_2_keeps_the_leading_axes_and_is_not_quantized()
    {
        var weight = Values(6 * 20, 5);
        var bias = Values(6, 6);
        var ip = Layer("ip", "InnerProduct", ["data"], ["ip"], Blob([6, 20], weight), Blob([6], bias));
        ip.InnerProductParam = new InnerProductParameter { NumOutput = 6, Axis = 2 };
        var import = Import(Net(Shape, ip));
        var (actual, shape) = Run(import, Input, Shape, "ip")["ip"];

        CollectionAssert.AreEqual(new long[] { 2, 3, 6 }, shape);
        var expected = new float[2 * 3 * 6];
        for (var row = 0; row < 6; row++)
            for (var n = 0; n < 6; n++)
                expected[row * 6 + n] = bias[n] + Enumerable.Range(0, 20).Sum(k => Input[row * 20 + k] * weight[n * 20 + k]);
        AssertClose(expected, actual);
        Assert.AreEqual("InnerProduct axis 2 ≥ 2", QuantizableLayerFinder.Classify(import.Model).Single(v => v.Node.Name == "ip").Reason);
    }

    [TestMethod]
    public void A_transposed_InnerProduct_uses_its_weight_as_stored_and_is_not_quantized()
    {
        var weight = Values(60 * 4, 7);
        var ip = Layer("ip", "InnerProduct", ["data"], ["ip"], Blob([60, 4], weight));
        ip.InnerProductParam = new InnerProductParameter { NumOutput = 4, Transpose = true, BiasTerm = false };
        var plain = Layer("ip_plain", "InnerProduct", ["data"], ["ip_plain"], Blob([4, 60], Values(240, 8)), Blob([4], Values(4, 9)));
        plain.InnerProductParam = new InnerProductParameter { NumOutput = 4 };
        var import = Import(Net(Shape, ip, plain));
        var (actual, shape) = Run(import, Input, Shape, "ip")["ip"];

        CollectionAssert.AreEqual(new long[] { 2, 4 }, shape);
        var expected = new float[8];
        for (var n = 0; n < 2; n++)
            for (var o = 0; o < 4; o++)
                expected[n * 4 + o] = Enumerable.Range(0, 60).Sum(k => Input[n * 60 + k] * weight[k * 4 + o]);
        AssertClose(expected, actual);
        var verdicts = QuantizableLayerFinder.Classify(import.Model).ToDictionary(v => v.Node.Name);
        Assert.AreEqual("InnerProduct transpose: true", verdicts["ip"].Reason);
        Assert.IsTrue(verdicts["ip_plain"].IsQuantizable);
    }

    [TestMethod]
    public void Grouped_deconvolution_uses_caffes_weight_layout()
    {
        // Weights [Cin 4, Cout/g 3, 3, 3] with group 2: 6 outputs, stride 2, pad 1.
        long[] shape = [1, 4, 3, 3];
        var input = Values(36, 10);
        var weight = Values(4 * 3 * 9, 11);
        var deconv = Layer("deconv", "Deconvolution", ["data"], ["deconv"], Blob([4, 3, 3, 3], weight), Blob([6], [1f, 2f, 3f, 4f, 5f, 6f]));
        deconv.ConvolutionParam = new ConvolutionParameter { NumOutput = 6, Group = 2 };
        deconv.ConvolutionParam.KernelSize.Add(3);
        deconv.ConvolutionParam.Stride.Add(2);
        deconv.ConvolutionParam.Pad.Add(1);
        var (actual, actualShape) = RunNet(Net(shape, deconv), input, "deconv");

        // Output 2·(3−1) + 3 − 2 = 5; Caffe's col2im: out[o, h·s − p + i, w·s − p + j] += x[c, h, w]·W[c, o', i, j].
        CollectionAssert.AreEqual(new long[] { 1, 6, 5, 5 }, actualShape);
        var expected = new float[6 * 25];
        for (var o = 0; o < 6; o++)
            for (var i = 0; i < 25; i++) expected[o * 25 + i] = o + 1;
        for (var c = 0; c < 4; c++)
            for (var oo = 0; oo < 3; oo++)
                for (var h = 0; h < 3; h++)
                    for (var w = 0; w < 3; w++)
                        for (var i = 0; i < 3; i++)
                            for (var j = 0; j < 3; j++)
                            {
                                int y = h * 2 - 1 + i, x = w * 2 - 1 + j, o = c / 2 * 3 + oo;
                                if (y is < 0 or >= 5 || x is < 0 or >= 5) continue;
                                expected[(o * 5 + y) * 5 + x] += input[(c * 3 + h) * 3 + w] * weight[((c * 3 + oo) * 3 + i) * 3 + j];
                            }
        AssertClose(expected, actual);
    }

    [TestMethod]
    public void LRN_across_channels()
    {
        var lrn = Layer("norm", "LRN", ["data"], ["norm"]);
        lrn.LrnParam = new LRNParameter { LocalSize = 3, Alpha = 0.5f, Beta = 0.75f, K = 2f, NormRegion = NormRegion.AcrossChannels };
        var (actual, _) = RunNet(Net(Shape, lrn), Input, "norm");
        var expected = Input.Select((x, i) =>
        {
            var (c, rest) = (i / 20 % 3, i % 20);
            var n = i / 60;
            var sum = 0.0;
            for (var cc = Math.Max(c - 1, 0); cc <= Math.Min(c + 1, 2); cc++) sum += Math.Pow(Input[(n * 3 + cc) * 20 + rest], 2);
            return (float)(x / Math.Pow(2 + 0.5 / 3 * sum, 0.75));
        }).ToArray();
        AssertClose(expected, actual);
    }

    [TestMethod]
    public void LRN_within_channel_is_not_quantized_as_pooling()
    {
        var lrn = Layer("norm", "LRN", ["data"], ["norm"]);
        lrn.LrnParam = new LRNParameter { LocalSize = 3, NormRegion = NormRegion.WithinChannel };
        var import = Import(Net(Shape, lrn));
        Assert.IsFalse(QuantizableLayerFinder.Classify(import.Model).Any(v => v.IsQuantizable));
        Assert.AreEqual("norm", import.Model.Graph.Nodes.Last().Name);
    }

    [TestMethod]
    public void Flatten_Reshape_and_Permute_move_data_as_caffe_does()
    {
        var flatten = Layer("flatten", "Flatten", ["data"], ["flat"]);
        flatten.FlattenParam = new FlattenParameter { Axis = 2 };
        var reshape = Layer("reshape", "Reshape", ["data"], ["reshaped"]);
        reshape.ReshapeParam = new ReshapeParameter { Shape = new BlobShape(), Axis = 2, NumAxes = 1 };
        reshape.ReshapeParam.Shape.Dim.AddRange([2, -1]);
        var permute = Layer("permute", "Permute", ["data"], ["permuted"]);
        permute.PermuteParam = new PermuteParameter();
        permute.PermuteParam.Order.AddRange([0, 2]);
        var results = Run(Import(Net(Shape, flatten, reshape, permute)), Input, Shape, "flat", "reshaped", "permuted");

        CollectionAssert.AreEqual(new long[] { 2, 3, 20 }, results["flat"].Shape);
        CollectionAssert.AreEqual(Input, results["flat"].Values);
        CollectionAssert.AreEqual(new long[] { 2, 3, 2, 2, 5 }, results["reshaped"].Shape);
        CollectionAssert.AreEqual(Input, results["reshaped"].Values);
        // order 0, 2 then the axes left out (1, 3): [N, H, C, W].
        CollectionAssert.AreEqual(new long[] { 2, 4, 3, 5 }, results["permuted"].Shape);
        var expected = new float[Input.Length];
        for (var n = 0; n < 2; n++)
            for (var c = 0; c < 3; c++)
                for (var h = 0; h < 4; h++)
                    for (var w = 0; w < 5; w++)
                        expected[((n * 4 + h) * 3 + c) * 5 + w] = Input[((n * 3 + c) * 4 + h) * 5 + w];
        CollectionAssert.AreEqual(expected, results["permuted"].Values);
    }

    [TestMethod]
    public void Slice_Concat_and_Crop()
    {
        var slice = Layer("slice", "Slice", ["data"], ["a", "b", "c"]);
        slice.SliceParam = new SliceParameter();
        var concat = Layer("concat", "Concat", ["c", "a"], ["joined"]);
        var halves = Layer("halves", "Slice", ["data"], ["top", "bottom"]);
        halves.SliceParam = new SliceParameter { Axis = 2 };
        var pool = Layer("pool", "Pooling", ["data"], ["small"]);
        pool.PoolingParam = new PoolingParameter { KernelH = 2, KernelW = 3, Stride = 1 };
        var crop = Layer("crop", "Crop", ["data", "small"], ["cropped"]);
        crop.CropParam = new CropParameter();
        crop.CropParam.Offset.AddRange([1, 2]);
        var net = Net(Shape, slice, concat, halves, pool, crop);
        var results = Run(Import(net), Input, Shape, "joined", "top", "bottom", "cropped");

        float At(int n, int c, int h, int w) => Input[((n * 3 + c) * 4 + h) * 5 + w];
        float[] Gather(int[] channels, int[] rows, int[] columns) =>
            (from n in new[] { 0, 1 } from c in channels from h in rows from w in columns select At(n, c, h, w)).ToArray();
        CollectionAssert.AreEqual(Gather([2, 0], [0, 1, 2, 3], [0, 1, 2, 3, 4]), results["joined"].Values);
        CollectionAssert.AreEqual(Gather([0, 1, 2], [0, 1], [0, 1, 2, 3, 4]), results["top"].Values);
        CollectionAssert.AreEqual(Gather([0, 1, 2], [2, 3], [0, 1, 2, 3, 4]), results["bottom"].Values);
        // Crop to the pooled shape [2,3,3,3] from axis 2, offsets (1, 2).
        CollectionAssert.AreEqual(new long[] { 2, 3, 3, 3 }, results["cropped"].Shape);
        CollectionAssert.AreEqual(Gather([0, 1, 2], [1, 2, 3], [2, 3, 4]), results["cropped"].Values);
    }
}
