namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// Split (fan-out) and Dropout (identity at inference) add no node: their tops are their bottom's
/// tensor (see <see cref="BlobVersions"/>).
/// </summary>
internal sealed class PassThroughMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = [.. BlobVersions.PassThroughTypes];

    public void Map(LayerContext layer)
    {
        for (var t = 0; t < layer.OutputCount; t++) layer.SetOutputShape(t, layer.InputShape(0));
    }
}
