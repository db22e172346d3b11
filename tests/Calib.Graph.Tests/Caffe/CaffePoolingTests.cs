using Calib.Graph.Analysis;
using Calib.Graph.Caffe.Proto;
using static Calib.Graph.Tests.Caffe.CaffeTestNets;
using PoolMethod = Calib.Graph.Caffe.Proto.PoolingParameter.Types.PoolMethod;
using RoundMode = Calib.Graph.Caffe.Proto.PoolingParameter.Types.RoundMode;

namespace Calib.Graph.Tests.Caffe;

/// <summary>
/// Pooling against a direct implementation of Caffe's PoolingLayer: ceil rounding with the
/// last-window rule, padding, and the AVE divisor clipped to the padded input.
/// </summary>
[TestClass]
public sealed class CaffePoolingTests
{
    [TestMethod]
    [DataRow(PoolMethod.Ave, 6, 3, 2, 1, RoundMode.Ceil, DisplayName = "AVE, ceil adds a window reaching past the padding")]
    [DataRow(PoolMethod.Max, 6, 3, 2, 1, RoundMode.Ceil, DisplayName = "MAX, ceil adds a window reaching past the padding")]
    [DataRow(PoolMethod.Ave, 16, 3, 2, 0, RoundMode.Ceil, DisplayName = "AVE without padding (CIFAR-10)")]
    [DataRow(PoolMethod.Ave, 7, 3, 2, 1, RoundMode.Ceil, DisplayName = "AVE, padding exactly fits")]
    [DataRow(PoolMethod.Ave, 5, 2, 2, 1, RoundMode.Ceil, DisplayName = "AVE, the last window starting in the padding is dropped")]
    [DataRow(PoolMethod.Max, 5, 2, 2, 1, RoundMode.Ceil, DisplayName = "MAX, the last window starting in the padding is dropped")]
    [DataRow(PoolMethod.Ave, 6, 3, 2, 1, RoundMode.Floor, DisplayName = "AVE, floor rounding")]
    [DataRow(PoolMethod.Max, 4, 1, 2, 0, RoundMode.Ceil, DisplayName = "MAX, a window past the input (pad ≥ kernel: Pad node)")]
    public void Matches_caffe(PoolMethod method, int size, int kernel, int stride, int pad, RoundMode round)
    {
        long[] shape = [2, 3, size, size];
        var input = Values(2 * 3 * size * size, seed: size * 31 + kernel);
        var layer = Layer("pool", "Pooling", ["data"], ["pool"]);
        layer.PoolingParam = new PoolingParameter { Pool = method, KernelSize = (uint)kernel, Stride = (uint)stride, Pad = (uint)pad, RoundMode = round };
        var (expected, expectedShape) = CaffePool(input, shape, (kernel, kernel), (stride, stride), (pad, pad), method == PoolMethod.Max, round == RoundMode.Ceil);

        var (actual, actualShape) = RunNet(Net(shape, layer), input, "pool");

        CollectionAssert.AreEqual(expectedShape, actualShape);
        AssertClose(expected, actual);
    }

    [TestMethod]
    [DataRow(PoolMethod.Ave)]
    [DataRow(PoolMethod.Max)]
    public void Rectangular_windows_use_the_h_and_w_fields_and_padding_on_one_axis_drops_windows_on_both(PoolMethod method)
    {
        long[] shape = [1, 2, 7, 9];
        var input = Values(2 * 7 * 9, seed: 5);
        var layer = Layer("pool", "Pooling", ["data"], ["pool"]);
        layer.PoolingParam = new PoolingParameter { Pool = method, KernelH = 3, KernelW = 2, StrideH = 2, StrideW = 3, PadH = 1, PadW = 0 };
        var (expected, expectedShape) = CaffePool(input, shape, (3, 2), (2, 3), (1, 0), method == PoolMethod.Max, ceil: true);

        var (actual, actualShape) = RunNet(Net(shape, layer), input, "pool");

        // Columns: ⌈(9 − 2)/3⌉ + 1 = 4, but the 4th window would start at 9 ≥ 9 + 0 and pad_h > 0.
        CollectionAssert.AreEqual(new long[] { 1, 2, 4, 3 }, expectedShape);
        CollectionAssert.AreEqual(expectedShape, actualShape);
        AssertClose(expected, actual);
    }

    [TestMethod]
    [DataRow(PoolMethod.Ave, "GlobalAveragePool", "global pooling is not quantized")]
    [DataRow(PoolMethod.Max, "GlobalMaxPool", "MAX pooling is not quantized")]
    public void Global_pooling_is_a_global_operator(PoolMethod method, string op, string reason)
    {
        long[] shape = [2, 3, 5, 4];
        var input = Values(2 * 3 * 5 * 4, seed: 9);
        var layer = Layer("pool", "Pooling", ["data"], ["pool"]);
        layer.PoolingParam = new PoolingParameter { Pool = method, GlobalPooling = true };
        var import = Import(Net(shape, layer));
        var (actual, actualShape) = Run(import, input, shape, "pool")["pool"];

        Assert.AreEqual(op, import.Model.Graph.Nodes.Single().OpType);
        Assert.AreEqual(reason, QuantizableLayerFinder.Classify(import.Model).Single().Reason);
        CollectionAssert.AreEqual(new long[] { 2, 3, 1, 1 }, actualShape);
        var expected = Enumerable.Range(0, 6).Select(plane => input.Skip(plane * 20).Take(20))
            .Select(v => method == PoolMethod.Max ? v.Max() : v.Average()).ToArray();
        AssertClose(expected, actual);
    }

    [TestMethod]
    public void Average_pooling_stays_one_quantizable_node_named_after_the_layer()
    {
        var layer = Layer("pool2", "Pooling", ["data"], ["pool2"]);
        layer.PoolingParam = new PoolingParameter { Pool = PoolMethod.Ave, KernelSize = 3, Stride = 2 };
        var import = Import(Net([1, 4, 16, 16], layer));

        var verdicts = QuantizableLayerFinder.Classify(import.Model);
        Assert.AreEqual("AveragePool", verdicts.Single(v => v.IsQuantizable).Node.OpType);
        Assert.AreEqual("pool2", verdicts.Single(v => v.IsQuantizable).Node.Name);
        Assert.AreEqual("pool2/divisor", verdicts.Single(v => v.Node.OpType == "Mul").Node.Name);
    }

    [TestMethod]
    public void Stochastic_pooling_is_refused()
    {
        var layer = Layer("pool", "Pooling", ["data"], ["pool"]);
        layer.PoolingParam = new PoolingParameter { Pool = PoolMethod.Stochastic, KernelSize = 2, Stride = 2 };
        var e = Assert.ThrowsExactly<CalibException>(() => Import(Net([1, 1, 4, 4], layer)));
        StringAssert.Contains(e.Message, "Layer 'pool' (Pooling)");
        StringAssert.Contains(e.Message, "STOCHASTIC");
    }

    // Caffe's PoolingLayer::Reshape and Forward_cpu, written out.
    private static (float[] Values, long[] Shape) CaffePool(float[] x, long[] shape, (int H, int W) k, (int H, int W) s, (int H, int W) p, bool max, bool ceil)
    {
        int height = (int)shape[2], width = (int)shape[3], planes = (int)(shape[0] * shape[1]);
        int Output(int size, int kernel, int stride, int pad)
        {
            var span = (size + 2.0 * pad - kernel) / stride;
            var output = (int)(ceil ? Math.Ceiling(span) : Math.Floor(span)) + 1;
            return (p.H > 0 || p.W > 0) && (output - 1) * stride >= size + pad ? output - 1 : output;
        }
        int outH = Output(height, k.H, s.H, p.H), outW = Output(width, k.W, s.W, p.W);
        var y = new float[planes * outH * outW];
        for (var plane = 0; plane < planes; plane++)
            for (var oh = 0; oh < outH; oh++)
                for (var ow = 0; ow < outW; ow++)
                {
                    int hs = oh * s.H - p.H, ws = ow * s.W - p.W;
                    int he = Math.Min(hs + k.H, height + p.H), we = Math.Min(ws + k.W, width + p.W);
                    var poolSize = (he - hs) * (we - ws);
                    hs = Math.Max(hs, 0);
                    ws = Math.Max(ws, 0);
                    he = Math.Min(he, height);
                    we = Math.Min(we, width);
                    var value = max ? float.MinValue : 0f;
                    for (var h = hs; h < he; h++)
                        for (var w = ws; w < we; w++)
                        {
                            var v = x[(plane * height + h) * width + w];
                            value = max ? Math.Max(value, v) : value + v;
                        }
                    y[(plane * outH + oh) * outW + ow] = max ? value : value / poolSize;
                }
        return (y, [shape[0], shape[1], outH, outW]);
    }
}
