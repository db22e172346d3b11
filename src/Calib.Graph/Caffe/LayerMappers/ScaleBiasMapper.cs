namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// Scale (y = x·s [+ b]) and Bias (y = x + b). The factor is a learned blob covering input axes
/// [axis, axis + num_axes), or the second bottom covering as many axes as it has; it is shaped to
/// broadcast over the trailing axes. A Scale that is the only reader of a BatchNorm's output and
/// scales channel axis 1 joins that BatchNormalization node (its blobs become scale and bias), so
/// that BatchNorm + Scale fold into the preceding layer as one.
/// </summary>
internal sealed class ScaleBiasMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = ["Scale", "Bias"];

    public void Map(LayerContext layer)
    {
        var input = layer.InputShape(0);
        layer.SetOutputShape(0, input);
        var isScale = layer.Layer.Type == "Scale";
        var axisParam = isScale ? layer.Layer.ScaleParam?.Axis ?? 1 : layer.Layer.BiasParam?.Axis ?? 1;
        var numAxes = isScale ? layer.Layer.ScaleParam?.NumAxes ?? 1 : layer.Layer.BiasParam?.NumAxes ?? 1;
        var biasTerm = isScale && (layer.Layer.ScaleParam?.BiasTerm ?? false);
        var axis = input.Length == 0 ? 0 : layer.Axis(axisParam, input.Length);
        if (isScale && layer.InputCount == 1 && TryJoinBatchNorm(layer, input, axis, numAxes, biasTerm)) return;

        string factor;
        int nextBlob;
        if (layer.InputCount == 2)
        {
            factor = Broadcast(layer, layer.Input(1), layer.InputShape(1), input, axis);
            nextBlob = 0;
        }
        else
        {
            var covered = Covered(layer, input, axis, numAxes);
            var values = layer.Blob(0, covered, isScale ? "scale" : "bias");
            factor = layer.Constant(isScale ? "scale" : "bias", BroadcastDims(covered, input.Length - axis - covered.Length), values);
            nextBlob = 1;
        }
        if (!isScale)
        {
            layer.AddNode("Add", [layer.Input(0), factor], [layer.Output(0)]);
            return;
        }
        var scaled = biasTerm ? layer.Temp("scaled") : layer.Output(0);
        layer.AddNode("Mul", [layer.Input(0), factor], [scaled]);
        if (!biasTerm) return;
        var biasDims = layer.InputCount == 2 ? layer.InputShape(1) : Covered(layer, input, axis, numAxes);
        var bias = layer.Blob(nextBlob, biasDims, "bias");
        var biasName = layer.Constant("bias", BroadcastDims(biasDims, input.Length - axis - biasDims.Length), bias);
        layer.AddNode("Add", [scaled, biasName], [layer.Output(0)], "bias");
    }

    private static bool TryJoinBatchNorm(LayerContext layer, long[] input, int axis, int numAxes, bool biasTerm)
    {
        var import = layer.Import;
        if (!import.BatchNorms.TryGetValue(layer.Input(0), out var batchNorm) || axis != 1) return false;
        if (numAxes != 1 && !(numAxes == -1 && input.Length == 2)) return false;
        if (import.Versions.Readers(layer.Input(0)) != 1) return false;
        var channels = input[1];
        var node = batchNorm.Node;
        import.Graph.AddInitializer(node.Inputs[1], Ir.TensorData.FromFloats([channels], layer.Blob(0, [channels], "scale")));
        if (biasTerm) import.Graph.AddInitializer(node.Inputs[2], Ir.TensorData.FromFloats([channels], layer.Blob(1, [channels], "bias")));
        import.BatchNorms.Remove(layer.Input(0));
        import.Shapes.Remove(layer.Input(0));
        import.LayerOutputs.Remove(batchNorm.Layer);
        node.Outputs[0] = layer.Output(0);
        import.MergedLayers[layer.Name] = batchNorm.Layer;
        return true;
    }

    // The input axes a learned factor covers: [axis, axis + num_axes), or all from axis for -1.
    private static long[] Covered(LayerContext layer, long[] input, int axis, int numAxes)
    {
        if (numAxes < -1 || axis + numAxes > input.Length)
            throw layer.Error($"num_axes {numAxes} from axis {axis} does not fit its {input.Length}-D input.");
        return numAxes == -1 ? input[axis..] : input[axis..(axis + numAxes)];
    }

    // The second bottom, reshaped to [its dims, 1, 1, …] when axes follow the ones it covers.
    private static string Broadcast(LayerContext layer, string tensor, long[] shape, long[] input, int axis)
    {
        if (axis + shape.Length > input.Length || !shape.SequenceEqual(input[axis..(axis + shape.Length)]))
            throw layer.Error($"its second bottom {BlobReader.Format(shape)} does not match input axes from {axis} of {BlobReader.Format(input)}.");
        var trailing = input.Length - axis - shape.Length;
        if (trailing == 0) return tensor;
        var reshaped = layer.Temp("factor");
        layer.AddNode("Reshape", [tensor, layer.Int64s("factor_shape", BroadcastDims(shape.Select(_ => 0L).ToArray(), trailing))], [reshaped], "factor");
        return reshaped;
    }

    private static long[] BroadcastDims(long[] covered, int trailing) => [.. covered, .. Enumerable.Repeat(1L, trailing)];
}
