using Calib.Graph.Caffe.Proto;

namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// Convolution → Conv and Deconvolution → ConvTranspose. Caffe's weight layouts are ONNX's
/// ([Cout, Cin/g, k…] and [Cin, Cout/g, k…]) and its output sizes are ONNX's with symmetric pads:
/// ⌊(in + 2p − d(k−1) − 1)/s⌋ + 1 and s(in − 1) + d(k−1) + 1 − 2p.
/// </summary>
internal sealed class ConvolutionMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = ["Convolution", "Deconvolution"];

    public void Map(LayerContext layer)
    {
        var p = layer.Layer.ConvolutionParam ?? throw layer.Error("convolution_param is missing.");
        var deconvolution = layer.Layer.Type == "Deconvolution";
        var input = layer.InputShape(0);
        if (layer.Axis(p.Axis, input.Length) != 1) throw layer.Error($"axis {p.Axis} is not supported; calib maps channel axis 1 (NCHW).");
        var spatial = input.Length - 2;
        if (spatial < 1) throw layer.Error($"its input is {input.Length}-D; a convolution needs at least 3 dimensions.");
        var geometry = Geometry.Of(layer, p, spatial);
        var channels = input[1];
        var group = (long)p.Group;
        var outputs = (long)p.NumOutput;
        if (group < 1 || channels % group != 0 || outputs % group != 0)
            throw layer.Error($"group {group} must divide both the input channels ({channels}) and num_output ({outputs}).");
        long[] weightDims = deconvolution
            ? [channels, outputs / group, .. geometry.Kernel]
            : [outputs, channels / group, .. geometry.Kernel];
        var inputs = new List<string>
        {
            layer.Input(0),
            layer.Constant("weight", weightDims, layer.Blob(0, weightDims, "weights")),
        };
        if (p.BiasTerm) inputs.Add(layer.Constant("bias", [outputs], layer.Blob(1, [outputs], "bias")));
        var node = layer.AddNode(deconvolution ? "ConvTranspose" : "Conv", inputs, [layer.Output(0)]);
        node.Attributes.Set("kernel_shape", geometry.Kernel);
        node.Attributes.Set("strides", geometry.Stride);
        node.Attributes.Set("pads", geometry.Pad.Concat(geometry.Pad));
        node.Attributes.Set("dilations", geometry.Dilation);
        node.Attributes.Set("group", group);

        var shape = new long[input.Length];
        shape[0] = input[0];
        shape[1] = outputs;
        for (var i = 0; i < spatial; i++)
        {
            var extent = geometry.Dilation[i] * (geometry.Kernel[i] - 1) + 1;
            shape[i + 2] = deconvolution
                ? geometry.Stride[i] * (input[i + 2] - 1) + extent - 2 * geometry.Pad[i]
                : (input[i + 2] + 2 * geometry.Pad[i] - extent) / geometry.Stride[i] + 1;
            if (shape[i + 2] < 1) throw layer.Error($"its output would be empty ({BlobReader.Format(shape)}) for input {BlobReader.Format(input)}.");
        }
        layer.SetOutputShape(0, shape);
    }

    /// <summary>Kernel, stride, pad and dilation per spatial axis, from the scalar, list or _h/_w forms.</summary>
    private sealed record Geometry(long[] Kernel, long[] Stride, long[] Pad, long[] Dilation)
    {
        public static Geometry Of(LayerContext layer, ConvolutionParameter p, int spatial)
        {
            var kernel = p.HasKernelH || p.HasKernelW
                ? HeightWidth(layer, "kernel_h/kernel_w", spatial, p.KernelH, p.KernelW, p.HasKernelH && p.HasKernelW)
                : PerAxis(layer, "kernel_size", p.KernelSize, spatial, fallback: null);
            var stride = p.HasStrideH || p.HasStrideW
                ? HeightWidth(layer, "stride_h/stride_w", spatial, p.StrideH, p.StrideW, p.HasStrideH && p.HasStrideW)
                : PerAxis(layer, "stride", p.Stride, spatial, fallback: 1);
            var pad = p.HasPadH || p.HasPadW
                ? HeightWidth(layer, "pad_h/pad_w", spatial, p.PadH, p.PadW, both: true)
                : PerAxis(layer, "pad", p.Pad, spatial, fallback: 0);
            var dilation = PerAxis(layer, "dilation", p.Dilation, spatial, fallback: 1);
            if (kernel.Any(k => k < 1) || stride.Any(s => s < 1) || dilation.Any(d => d < 1))
                throw layer.Error("kernel size, stride and dilation must be at least 1.");
            return new Geometry(kernel, stride, pad, dilation);
        }

        private static long[] HeightWidth(LayerContext layer, string what, int spatial, uint height, uint width, bool both)
        {
            if (spatial != 2) throw layer.Error($"{what} apply to 2-D convolutions only; this one has {spatial} spatial axes.");
            if (!both) throw layer.Error($"give both {what}.");
            return [height, width];
        }

        private static long[] PerAxis(LayerContext layer, string what, IList<uint> values, int spatial, long? fallback)
        {
            if (values.Count == 0)
                return fallback is { } v ? Enumerable.Repeat(v, spatial).ToArray() : throw layer.Error($"{what} is missing.");
            if (values.Count == 1) return Enumerable.Repeat((long)values[0], spatial).ToArray();
            return values.Count == spatial
                ? values.Select(x => (long)x).ToArray()
                : throw layer.Error($"{what} has {values.Count} values for {spatial} spatial axes: give 1 or {spatial}.");
        }
    }
}
