using Calib.Graph.Ir;

namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// InnerProduct: the input flattened from <c>axis</c> on, times the weight, plus the bias. Caffe
/// stores the weight as [N, K] (or [K, N] with <c>transpose: true</c>).
/// <list type="bullet">
/// <item>axis 1: Flatten(1) when the input has more than 2 dimensions, then Gemm — transB = 1, or
/// transB = 0 with the weight used as stored when transposed.</item>
/// <item>other axes: Reshape keeping the leading axes, MatMul by the [K, N] weight, Add the bias;
/// the output keeps the leading axes, as in Caffe.</item>
/// </list>
/// AMCT does not quantize an InnerProduct with <c>transpose: true</c> or <c>axis ≥ 2</c>: the
/// Gemm/MatMul node carries that restriction.
/// </summary>
internal sealed class InnerProductMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = ["InnerProduct"];

    public void Map(LayerContext layer)
    {
        var p = layer.Layer.InnerProductParam ?? throw layer.Error("inner_product_param is missing.");
        var input = layer.InputShape(0);
        var axis = layer.Axis(p.Axis, input.Length);
        var inner = input.Skip(axis).Aggregate(1L, (a, d) => a * d);
        var outputs = (long)p.NumOutput;
        if (outputs < 1) throw layer.Error("num_output must be at least 1.");
        long[] stored = p.Transpose ? [inner, outputs] : [outputs, inner];
        var weight = layer.Blob(0, stored, "weights");
        var bias = p.BiasTerm ? layer.Blob(1, [outputs], "bias") : null;
        var node = axis == 1
            ? Gemm(layer, input, stored, weight, bias, p.Transpose)
            : MatMul(layer, axis, inner, outputs, weight, bias, p.Transpose);
        if (p.Transpose) layer.Restrict(node, "InnerProduct transpose: true");
        else if (axis >= 2) layer.Restrict(node, $"InnerProduct axis {axis} ≥ 2");
        layer.SetOutputShape(0, [.. input.Take(axis), outputs]);
    }

    private static Node Gemm(LayerContext layer, long[] input, long[] stored, float[] weight, float[]? bias, bool transposed)
    {
        var flat = layer.Input(0);
        if (input.Length > 2)
        {
            flat = layer.Temp("flat");
            layer.AddNode("Flatten", [layer.Input(0)], [flat], "flatten").Attributes.Set("axis", 1L);
        }
        var inputs = new List<string> { flat, layer.Constant("weight", stored, weight) };
        if (bias is not null) inputs.Add(layer.Constant("bias", [bias.Length], bias));
        var gemm = layer.AddNode("Gemm", inputs, [layer.Output(0)]);
        gemm.Attributes.Set("transB", transposed ? 0L : 1L);
        return gemm;
    }

    // y[..., n] = Σ_k x[..., k] · W[k, n] + b[n], keeping the axes before `axis`.
    private static Node MatMul(LayerContext layer, int axis, long inner, long outputs, float[] weight, float[]? bias, bool transposed)
    {
        var reshaped = layer.Temp("flat");
        layer.AddNode("Reshape", [layer.Input(0), layer.Int64s("flat_shape", [.. Enumerable.Repeat(0L, axis), -1])], [reshaped], "flatten");
        var kByN = transposed ? weight : Transpose(weight, outputs, inner);
        var product = bias is null ? layer.Output(0) : layer.Temp("product");
        var matMul = layer.AddNode("MatMul", [reshaped, layer.Constant("weight", [inner, outputs], kByN)], [product]);
        if (bias is not null) layer.AddNode("Add", [product, layer.Constant("bias", [outputs], bias)], [layer.Output(0)], "bias");
        return matMul;
    }

    private static float[] Transpose(float[] values, long rows, long columns)
    {
        var result = new float[values.Length];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < columns; c++)
                result[c * rows + r] = values[r * columns + c];
        return result;
    }
}
