using Calib.Graph.Caffe.Proto;
using PoolMethod = Calib.Graph.Caffe.Proto.PoolingParameter.Types.PoolMethod;
using RoundMode = Calib.Graph.Caffe.Proto.PoolingParameter.Types.RoundMode;

namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// Pooling → MaxPool / AveragePool (GlobalMaxPool / GlobalAveragePool for global pooling), with
/// Caffe's output size and average divisor reproduced exactly:
/// <list type="bullet">
/// <item>Caffe rounds the output size up: out = ⌈(in + 2p − k)/s⌉ + 1, minus one when padding is set
/// and the last window would start at or after in + p. The ONNX node gets explicit pads — p at the
/// start, and at the end whatever makes the last window fit ((out−1)·s + k − in − p, which is more than
/// p where Caffe's ceil adds a window and less where it drops one) — so plain floor arithmetic gives
/// Caffe's size. A pad of at least the kernel (which ONNX Runtime rejects) becomes a Pad node.</item>
/// <item>Caffe divides an AVE window by its size clipped to the padded input [−p, in + p); every window
/// of the ONNX node lies inside its pads, so with count_include_pad it divides by k. Where the two
/// differ (windows reaching into the extra end padding), a constant factor k / Caffe's size per output
/// position corrects the result (node "&lt;layer&gt;/divisor").</item>
/// </list>
/// </summary>
internal sealed class PoolingMapper : ILayerMapper
{
    // What MAX pooling pads with when the padding becomes a Pad node: never larger than a real value.
    private const float MaxPadValue = float.MinValue;

    public IReadOnlyList<string> Types { get; } = ["Pooling"];

    public void Map(LayerContext layer)
    {
        var p = layer.Layer.PoolingParam ?? new PoolingParameter();
        var input = layer.InputShape(0);
        if (input.Length != 4) throw layer.Error($"its input is {input.Length}-D; Caffe pooling takes N×C×H×W blobs.");
        if (p.Pool == PoolMethod.Stochastic)
            throw layer.Error("STOCHASTIC pooling is not supported (its test-time output weights every window by its own values); use MAX or AVE.");
        var max = p.Pool == PoolMethod.Max;
        if (p.GlobalPooling)
        {
            layer.AddNode(max ? "GlobalMaxPool" : "GlobalAveragePool", [layer.Input(0)], [layer.Output(0)]);
            layer.SetOutputShape(0, [input[0], input[1], 1, 1]);
            return;
        }
        var axes = Axes(layer, p, input);
        var source = layer.Input(0);
        var explicitPad = axes.Any(a => a.PadBegin >= a.Kernel || a.PadEnd >= a.Kernel);
        if (explicitPad)
        {
            source = layer.Temp("padded");
            long[] pads = [0, 0, axes[0].PadBegin, axes[1].PadBegin, 0, 0, axes[0].PadEnd, axes[1].PadEnd];
            layer.AddNode("Pad", [layer.Input(0), layer.Int64s("pads", pads), layer.Constant("pad_value", [], [max ? MaxPadValue : 0f])], [source], "pad");
        }
        var divisor = max ? null : DivisorCorrection(axes);
        var pooled = divisor is null ? layer.Output(0) : layer.Temp("sum_over_k");
        var node = layer.AddNode(max ? "MaxPool" : "AveragePool", [source], [pooled]);
        node.Attributes.Set("kernel_shape", axes.Select(a => a.Kernel));
        node.Attributes.Set("strides", axes.Select(a => a.Stride));
        node.Attributes.Set("pads", explicitPad ? [0L, 0, 0, 0] : axes.Select(a => a.PadBegin).Concat(axes.Select(a => a.PadEnd)));
        if (!max) node.Attributes.Set("count_include_pad", 1L);
        if (divisor is not null)
            layer.AddNode("Mul", [pooled, layer.Constant("divisor_correction", [1, 1, axes[0].Output, axes[1].Output], divisor)], [layer.Output(0)], "divisor");
        layer.SetOutputShape(0, [input[0], input[1], axes[0].Output, axes[1].Output]);
    }

    /// <summary>One spatial axis: Caffe's kernel, stride and pad, its output size, and the ONNX pads that give that size.</summary>
    private sealed record Axis(long Input, long Kernel, long Stride, long Pad, long Output, long PadBegin, long PadEnd)
    {
        // Caffe's size of window o: clipped to [−p, in + p) but not to the input itself.
        public long CaffeWindow(long o) => Math.Min(o * Stride - Pad + Kernel, Input + Pad) - (o * Stride - Pad);
    }

    private static Axis[] Axes(LayerContext layer, PoolingParameter p, long[] input)
    {
        long kh, kw;
        if (p.HasKernelH || p.HasKernelW)
        {
            if (!(p.HasKernelH && p.HasKernelW)) throw layer.Error("give both kernel_h and kernel_w.");
            (kh, kw) = (p.KernelH, p.KernelW);
        }
        else if (p.HasKernelSize) kh = kw = p.KernelSize;
        else throw layer.Error("kernel_size is missing (or set global_pooling: true).");
        var (ph, pw) = p.HasPadH || p.HasPadW ? ((long)p.PadH, (long)p.PadW) : (p.Pad, p.Pad);
        var (sh, sw) = p.HasStrideH || p.HasStrideW ? ((long)p.StrideH, (long)p.StrideW) : (p.Stride, p.Stride);
        if (kh < 1 || kw < 1 || sh < 1 || sw < 1) throw layer.Error("kernel size and stride must be at least 1.");
        // Caffe drops a last window that starts in the padding whenever either axis is padded.
        var padded = ph > 0 || pw > 0;
        return [AxisOf(layer, input[2], kh, sh, ph, p.RoundMode, padded), AxisOf(layer, input[3], kw, sw, pw, p.RoundMode, padded)];
    }

    private static Axis AxisOf(LayerContext layer, long size, long kernel, long stride, long pad, RoundMode round, bool padded)
    {
        var span = size + 2 * pad - kernel;
        if (span < 0) throw layer.Error($"kernel {kernel} is larger than its padded input ({size} + 2×{pad}).");
        var output = (round == RoundMode.Ceil ? (span + stride - 1) / stride : span / stride) + 1;
        if (padded && (output - 1) * stride >= size + pad) output--;
        var padEnd = Math.Max((output - 1) * stride + kernel - size - pad, 0);
        return new Axis(size, kernel, stride, pad, output, pad, padEnd);
    }

    // k / Caffe's window size at every output position, or null when it is 1 everywhere.
    private static float[]? DivisorCorrection(Axis[] axes)
    {
        var (height, width) = (axes[0], axes[1]);
        var rows = Enumerable.Range(0, (int)height.Output).Select(o => (double)height.Kernel / height.CaffeWindow(o)).ToArray();
        var columns = Enumerable.Range(0, (int)width.Output).Select(o => (double)width.Kernel / width.CaffeWindow(o)).ToArray();
        if (rows.All(r => r == 1) && columns.All(c => c == 1)) return null;
        return rows.SelectMany(r => columns.Select(c => (float)(r * c))).ToArray();
    }
}
