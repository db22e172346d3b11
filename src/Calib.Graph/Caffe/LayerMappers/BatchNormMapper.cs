namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// BatchNorm → BatchNormalization (scale 1, bias 0 until a following Scale joins it). Caffe keeps
/// the running sums and a scale factor: blob 0 (mean) and blob 1 (variance) are divided by blob 2's
/// value (0 gives 0), and y = (x − mean)/√(var + eps). As a BatchNormalization node the layer is
/// folded into the Conv/ConvTranspose/Gemm before it by calib's graph preparation (AMCT's fusion).
/// </summary>
internal sealed class BatchNormMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = ["BatchNorm"];

    public void Map(LayerContext layer)
    {
        var p = layer.Layer.BatchNormParam ?? new Proto.BatchNormParameter();
        var input = layer.InputShape(0);
        if (input.Length < 2) throw layer.Error($"its input is {input.Length}-D; BatchNorm normalizes channel axis 1.");
        var channels = input[1];
        var mean = layer.Blob(0, [channels], "mean");
        var variance = layer.Blob(1, [channels], "variance");
        var factor = layer.Blob(2, [1], "moving-average factor")[0];
        var scale = factor == 0f ? 0f : 1f / factor;
        for (var c = 0; c < channels; c++)
        {
            mean[c] *= scale;
            variance[c] *= scale;
        }
        var node = layer.AddNode("BatchNormalization",
        [
            layer.Input(0),
            layer.Constant("scale", [channels], Enumerable.Repeat(1f, (int)channels).ToArray()),
            layer.Constant("bias", [channels], new float[channels]),
            layer.Constant("mean", [channels], mean),
            layer.Constant("variance", [channels], variance),
        ], [layer.Output(0)]);
        node.Attributes.Set("epsilon", p.Eps);
        layer.Import.BatchNorms[layer.Output(0)] = (node, layer.Name);
        layer.SetOutputShape(0, input);
    }
}
