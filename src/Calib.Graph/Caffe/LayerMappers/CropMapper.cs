namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// Crop: bottom 0 cut to the shape of bottom 1 on every axis from <c>axis</c> on, starting at
/// <c>offset</c> (one value for all axes, one per axis, or none for 0) — a Slice with constant bounds.
/// </summary>
internal sealed class CropMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = ["Crop"];

    public void Map(LayerContext layer)
    {
        if (layer.InputCount != 2) throw layer.Error($"it has {layer.InputCount} bottoms; Crop takes the blob to crop and a reference blob.");
        var p = layer.Layer.CropParam ?? new Proto.CropParameter();
        var input = layer.InputShape(0);
        var reference = layer.InputShape(1);
        if (reference.Length != input.Length)
            throw layer.Error($"its reference bottom {BlobReader.Format(reference)} does not have the rank of {BlobReader.Format(input)}.");
        var axis = layer.Axis(p.Axis, input.Length);
        var cropped = input.Length - axis;
        if (p.Offset.Count > 1 && p.Offset.Count != cropped)
            throw layer.Error($"{p.Offset.Count} offsets for {cropped} cropped axes: give 0, 1 or {cropped}.");
        var starts = new long[cropped];
        var ends = new long[cropped];
        for (var i = 0; i < cropped; i++)
        {
            starts[i] = p.Offset.Count == 0 ? 0 : p.Offset[p.Offset.Count == 1 ? 0 : i];
            ends[i] = starts[i] + reference[axis + i];
            if (ends[i] > input[axis + i])
                throw layer.Error($"offset {starts[i]} + size {reference[axis + i]} exceeds axis {axis + i} of {BlobReader.Format(input)}.");
        }
        var axes = Enumerable.Range(axis, cropped).Select(a => (long)a).ToArray();
        layer.AddNode("Slice", [layer.Input(0), layer.Int64s("starts", starts), layer.Int64s("ends", ends), layer.Int64s("axes", axes)], [layer.Output(0)]);
        layer.SetOutputShape(0, [.. input[..axis], .. reference[axis..]]);
    }
}
