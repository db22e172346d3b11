namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>Maps one family of Caffe layer types to ONNX nodes with Caffe's exact semantics.</summary>
internal interface ILayerMapper
{
    /// <summary>The Caffe layer types (LayerParameter.type) this mapper handles.</summary>
    IReadOnlyList<string> Types { get; }

    /// <summary>Adds the nodes computing <paramref name="layer"/> and declares its output shapes.</summary>
    void Map(LayerContext layer);
}

/// <summary>The mapper of every supported Caffe layer type.</summary>
internal static class LayerMapperRegistry
{
    private static readonly Dictionary<string, ILayerMapper> ByType = new ILayerMapper[]
    {
        new ConvolutionMapper(), new PoolingMapper(), new InnerProductMapper(), new ActivationMapper(),
        new BatchNormMapper(), new ScaleBiasMapper(), new LrnMapper(), new EltwiseMapper(),
        new ConcatSliceMapper(), new ReshapingMapper(), new CropMapper(), new PassThroughMapper(),
    }.SelectMany(m => m.Types.Select(t => (Type: t, Mapper: m))).ToDictionary(p => p.Type, p => p.Mapper, StringComparer.Ordinal);

    /// <summary>The supported Caffe layer types, sorted.</summary>
    public static IReadOnlyList<string> SupportedTypes { get; } = ByType.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The mapper for <paramref name="type"/>, or null when calib does not import that type.</summary>
    public static ILayerMapper? For(string type) => ByType.GetValueOrDefault(type);
}
