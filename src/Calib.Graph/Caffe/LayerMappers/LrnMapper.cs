using NormRegion = Calib.Graph.Caffe.Proto.LRNParameter.Types.NormRegion;

namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// LRN. ACROSS_CHANNELS is ONNX LRN (size, alpha, beta, bias = k): y = x / (k + α/n·Σ x²)^β over n
/// neighbouring channels. WITHIN_CHANNEL has no ONNX operator; Caffe computes it as
/// y = x · (1 + α·AVE(x²))^−β with an n×n average pool (pad (n−1)/2, stride 1; Caffe's divisor is n²
/// everywhere, which is count_include_pad) — and ignores k. It becomes Mul, AveragePool, Mul, Add,
/// Pow, Mul; the inner AveragePool is not a layer AMCT quantizes, so it carries that restriction.
/// </summary>
internal sealed class LrnMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = ["LRN"];

    public void Map(LayerContext layer)
    {
        var p = layer.Layer.LrnParam ?? new Proto.LRNParameter();
        var input = layer.InputShape(0);
        if (input.Length != 4) throw layer.Error($"its input is {input.Length}-D; Caffe LRN takes N×C×H×W blobs.");
        if (p.LocalSize % 2 == 0) throw layer.Error($"local_size {p.LocalSize} is even; Caffe's LRN needs an odd size.");
        layer.SetOutputShape(0, input);
        if (p.NormRegion == NormRegion.AcrossChannels)
        {
            var lrn = layer.AddNode("LRN", [layer.Input(0)], [layer.Output(0)]);
            lrn.Attributes.Set("size", (long)p.LocalSize);
            lrn.Attributes.Set("alpha", p.Alpha);
            lrn.Attributes.Set("beta", p.Beta);
            lrn.Attributes.Set("bias", p.K);
            return;
        }
        var size = (long)p.LocalSize;
        var pad = (size - 1) / 2;
        var x = layer.Input(0);
        var squared = layer.Temp("square");
        layer.AddNode("Mul", [x, x], [squared], "square");
        var average = layer.Temp("average");
        var pool = layer.AddNode("AveragePool", [squared], [average], "average");
        pool.Attributes.Set("kernel_shape", [size, size]);
        pool.Attributes.Set("pads", [pad, pad, pad, pad]);
        pool.Attributes.Set("strides", [1L, 1L]);
        pool.Attributes.Set("count_include_pad", 1L);
        layer.Restrict(pool, $"part of LRN '{layer.Name}' (WITHIN_CHANNEL), not a pooling layer");
        var scaled = layer.Temp("scaled");
        layer.AddNode("Mul", [average, layer.Constant("alpha", [], [p.Alpha])], [scaled], "alpha");
        var shifted = layer.Temp("shifted");
        layer.AddNode("Add", [scaled, layer.Constant("one", [], [1f])], [shifted], "shift");
        var factor = layer.Temp("factor");
        layer.AddNode("Pow", [shifted, layer.Constant("minus_beta", [], [-p.Beta])], [factor], "power");
        layer.AddNode("Mul", [x, factor], [layer.Output(0)]);
    }
}
