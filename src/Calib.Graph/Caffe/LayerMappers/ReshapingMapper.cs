namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// Flatten, Reshape and Permute. Flatten(axis 1 to the end) is ONNX Flatten; other ranges and
/// Reshape become Reshape with a shape constant in which the leading axes Caffe keeps and Caffe's
/// "0 = copy" dimensions stay 0 (ONNX copies the input dimension at the same index, which is the one
/// Caffe copies), so the batch stays free. Permute (SSD) is Transpose; axes its order leaves out
/// follow in their original order, as in SSD Caffe.
/// </summary>
internal sealed class ReshapingMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = ["Flatten", "Reshape", "Permute"];

    public void Map(LayerContext layer)
    {
        var input = layer.InputShape(0);
        switch (layer.Layer.Type)
        {
            case "Flatten":
                Flatten(layer, input);
                break;
            case "Reshape":
                Reshape(layer, input);
                break;
            default:
                Permute(layer, input);
                break;
        }
    }

    private static void Flatten(LayerContext layer, long[] input)
    {
        var p = layer.Layer.FlattenParam ?? new Proto.FlattenParameter();
        var start = layer.Axis(p.Axis, input.Length);
        var end = layer.Axis(p.EndAxis, input.Length, "end_axis");
        if (end < start) throw layer.Error($"end_axis {p.EndAxis} comes before axis {p.Axis}.");
        var flattened = input[start..(end + 1)].Aggregate(1L, (a, d) => a * d);
        long[] shape = [.. input[..start], flattened, .. input[(end + 1)..]];
        layer.SetOutputShape(0, shape);
        if (start == 1 && end == input.Length - 1)
        {
            layer.AddNode("Flatten", [layer.Input(0)], [layer.Output(0)]).Attributes.Set("axis", 1L);
            return;
        }
        long[] target = [.. Enumerable.Repeat(0L, start), -1, .. input[(end + 1)..]];
        layer.AddNode("Reshape", [layer.Input(0), layer.Int64s("shape", target)], [layer.Output(0)]);
    }

    private static void Reshape(LayerContext layer, long[] input)
    {
        var p = layer.Layer.ReshapeParam ?? throw layer.Error("reshape_param is missing.");
        var spec = p.Shape?.Dim.ToArray() ?? [];
        // Caffe's axis counts from the end as -1 = after the last axis.
        var start = p.Axis >= 0 ? p.Axis : input.Length + p.Axis + 1;
        var end = p.NumAxes == -1 ? input.Length : start + p.NumAxes;
        if (start < 0 || start > input.Length || p.NumAxes < -1 || end > input.Length)
            throw layer.Error($"axis {p.Axis} and num_axes {p.NumAxes} do not fit its {input.Length}-D input.");
        if (spec.Count(d => d == -1) > 1 || spec.Any(d => d < -1))
            throw layer.Error($"shape {BlobReader.Format(spec)} may hold one -1 and otherwise dimensions ≥ 0.");
        var shape = new List<long>(input[..start]);
        for (var i = 0; i < spec.Length; i++)
        {
            if (spec[i] == 0 && start + i >= input.Length) throw layer.Error($"dimension {i} is 0 (copy) but the input has no axis {start + i}.");
            shape.Add(spec[i] == 0 ? input[start + i] : spec[i]);
        }
        shape.AddRange(input[end..]);
        var known = shape.Where(d => d != -1).Aggregate(1L, (a, d) => a * d);
        var total = input.Aggregate(1L, (a, d) => a * d);
        if (spec.Contains(-1))
        {
            if (known == 0 || total % known != 0) throw layer.Error($"shape {BlobReader.Format(spec)} cannot hold the {total} values of {BlobReader.Format(input)}.");
            shape[shape.IndexOf(-1)] = total / known;
        }
        else if (known != total) throw layer.Error($"shape {BlobReader.Format(shape)} does not hold the {total} values of {BlobReader.Format(input)}.");
        var trailing = end - start == spec.Length ? input[end..].Select(_ => 0L) : input[end..];
        long[] target = [.. Enumerable.Repeat(0L, start), .. spec, .. trailing];
        layer.AddNode("Reshape", [layer.Input(0), layer.Int64s("shape", target)], [layer.Output(0)]);
        layer.SetOutputShape(0, [.. shape]);
    }

    private static void Permute(LayerContext layer, long[] input)
    {
        var order = (layer.Layer.PermuteParam?.Order ?? []).Select(o => (long)o).ToList();
        if (order.Any(o => o >= input.Length) || order.Distinct().Count() != order.Count)
            throw layer.Error($"order {string.Join(",", order)} is not a permutation of the axes of its {input.Length}-D input.");
        order.AddRange(Enumerable.Range(0, input.Length).Select(a => (long)a).Where(a => !order.Contains(a)));
        layer.AddNode("Transpose", [layer.Input(0)], [layer.Output(0)]).Attributes.Set("perm", order);
        layer.SetOutputShape(0, order.Select(a => input[a]).ToArray());
    }
}
