namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// Concat → Concat along <c>axis</c> (or the deprecated <c>concat_dim</c>); Slice → Split into
/// pieces that end at the slice points (equal pieces, one per top, without slice points), along
/// <c>axis</c> (or <c>slice_dim</c>).
/// </summary>
internal sealed class ConcatSliceMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = ["Concat", "Slice"];

    public void Map(LayerContext layer)
    {
        if (layer.Layer.Type == "Concat") Concat(layer);
        else Slice(layer);
    }

    private static void Concat(LayerContext layer)
    {
        var p = layer.Layer.ConcatParam ?? new Proto.ConcatParameter();
        var first = layer.InputShape(0);
        var axis = layer.Axis(p.HasConcatDim && !p.HasAxis ? p.ConcatDim : p.Axis, first.Length);
        var shape = (long[])first.Clone();
        for (var i = 1; i < layer.InputCount; i++)
        {
            var other = layer.InputShape(i);
            if (other.Length != first.Length || Enumerable.Range(0, first.Length).Any(d => d != axis && other[d] != first[d]))
                throw layer.Error($"bottom {i} {BlobReader.Format(other)} does not match bottom 0 {BlobReader.Format(first)} outside axis {axis}.");
            shape[axis] += other[axis];
        }
        layer.AddNode("Concat", Enumerable.Range(0, layer.InputCount).Select(layer.Input), [layer.Output(0)]).Attributes.Set("axis", (long)axis);
        layer.SetOutputShape(0, shape);
    }

    private static void Slice(LayerContext layer)
    {
        var p = layer.Layer.SliceParam ?? new Proto.SliceParameter();
        var input = layer.InputShape(0);
        var axis = layer.Axis(p.HasSliceDim && !p.HasAxis ? p.SliceDim : p.Axis, input.Length);
        var extent = input[axis];
        long[] sizes;
        if (p.SlicePoint.Count > 0)
        {
            if (p.SlicePoint.Count != layer.OutputCount - 1)
                throw layer.Error($"{p.SlicePoint.Count} slice_point values for {layer.OutputCount} tops; give one fewer than the tops.");
            long[] bounds = [0, .. p.SlicePoint.Select(v => (long)v), extent];
            sizes = bounds.Zip(bounds.Skip(1), (a, b) => b - a).ToArray();
            if (sizes.Any(s => s <= 0)) throw layer.Error($"slice points {string.Join(",", p.SlicePoint)} must increase strictly within axis size {extent}.");
        }
        else
        {
            if (extent % layer.OutputCount != 0)
                throw layer.Error($"axis {axis} of size {extent} does not split into {layer.OutputCount} equal parts; give slice_point values.");
            sizes = Enumerable.Repeat(extent / layer.OutputCount, layer.OutputCount).ToArray();
        }
        var outputs = Enumerable.Range(0, layer.OutputCount).Select(layer.Output).ToList();
        layer.AddNode("Split", [layer.Input(0), layer.Int64s("split", sizes)], outputs).Attributes.Set("axis", (long)axis);
        for (var t = 0; t < sizes.Length; t++)
        {
            var shape = (long[])input.Clone();
            shape[axis] = sizes[t];
            layer.SetOutputShape(t, shape);
        }
    }
}
