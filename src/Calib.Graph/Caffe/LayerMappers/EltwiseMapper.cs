using EltwiseOp = Calib.Graph.Caffe.Proto.EltwiseParameter.Types.EltwiseOp;

namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// Eltwise over equally shaped bottoms: SUM (Add, or Sum for more than two; each bottom first
/// multiplied by its coeff when one is not 1), PROD (Mul) and MAX (Max).
/// </summary>
internal sealed class EltwiseMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = ["Eltwise"];

    public void Map(LayerContext layer)
    {
        var p = layer.Layer.EltwiseParam ?? new Proto.EltwiseParameter();
        var shape = layer.InputShape(0);
        for (var i = 1; i < layer.InputCount; i++)
            if (!layer.InputShape(i).SequenceEqual(shape))
                throw layer.Error($"bottom {i} has shape {BlobReader.Format(layer.InputShape(i))}, bottom 0 {BlobReader.Format(shape)}; Eltwise needs equal shapes.");
        if (p.Coeff.Count > 0 && (p.Operation != EltwiseOp.Sum || p.Coeff.Count != layer.InputCount))
            throw layer.Error($"coeff is for SUM only, one per bottom ({layer.InputCount}); it has {p.Coeff.Count}.");
        var inputs = Enumerable.Range(0, layer.InputCount).Select(layer.Input).ToList();
        if (p.Operation == EltwiseOp.Sum)
            for (var i = 0; i < p.Coeff.Count; i++)
            {
                if (p.Coeff[i] == 1f) continue;
                var weighted = layer.Temp($"coeff{i}");
                layer.AddNode("Mul", [inputs[i], layer.Constant($"coeff{i}", [], [p.Coeff[i]])], [weighted], $"coeff{i}");
                inputs[i] = weighted;
            }
        layer.SetOutputShape(0, shape);
        if (inputs.Count == 1)
        {
            layer.AddNode("Identity", inputs, [layer.Output(0)]);
            return;
        }
        var op = p.Operation switch
        {
            EltwiseOp.Sum => inputs.Count == 2 ? "Add" : "Sum",
            EltwiseOp.Max => "Max",
            _ => "Mul",
        };
        // Mul is binary: multiply pairwise, the last product named after the layer.
        while (op == "Mul" && inputs.Count > 2)
        {
            var product = layer.Temp("product");
            layer.AddNode("Mul", inputs.Take(2), [product], "product");
            inputs = [product, .. inputs.Skip(2)];
        }
        layer.AddNode(op, inputs, [layer.Output(0)]);
    }
}
