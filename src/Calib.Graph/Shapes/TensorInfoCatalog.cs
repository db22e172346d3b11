using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Shapes;

/// <summary>
/// Element type and shape of every tensor of a graph. Declared information comes first
/// (initializers, graph inputs/outputs, value infos); tensors still unknown or partly known
/// are asked of ONNX Runtime, whose shape inference runs when it loads the model.
/// </summary>
public sealed class TensorInfoCatalog
{
    private readonly Dictionary<string, TensorInfo> _infos;

    private TensorInfoCatalog(Dictionary<string, TensorInfo> infos) => _infos = infos;

    /// <summary>All known tensors.</summary>
    public IReadOnlyCollection<TensorInfo> All => _infos.Values;

    /// <summary>The info of <paramref name="tensor"/>, or null when nothing is known about it.</summary>
    public TensorInfo? Find(string tensor) => _infos.GetValueOrDefault(tensor);

    /// <summary>Builds the catalog from the model alone, without ONNX Runtime.</summary>
    public static TensorInfoCatalog FromDeclarations(OnnxModel model) => new(Declared(model.Graph));

    /// <summary>
    /// Builds the catalog, filling in what the model does not declare from ONNX Runtime's inference.
    /// </summary>
    public static TensorInfoCatalog Build(OnnxModel model)
    {
        var infos = Declared(model.Graph);
        var incomplete = model.Graph.Nodes
            .SelectMany(n => n.Outputs)
            .Where(name => name.Length > 0 && (!infos.TryGetValue(name, out var info) || info.Shape is null))
            .ToList();
        if (incomplete.Count > 0)
        {
            using var runner = ModelRunner.Create(model, new ExecutionOptions { Optimize = false }, incomplete);
            foreach (var name in incomplete)
                if (runner.OutputMetadata.TryGetValue(name, out var metadata) && metadata.IsTensor)
                    infos[name] = FromRuntime(name, metadata);
        }
        return new TensorInfoCatalog(infos);
    }

    private static Dictionary<string, TensorInfo> Declared(ModelGraph graph)
    {
        var infos = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        foreach (var value in graph.Inputs.Concat(graph.Outputs).Concat(graph.ValueInfos.Values))
            if (FromValueInfo(value) is { } info) infos[info.Name] = info;
        foreach (var (name, tensor) in graph.Initializers)
            infos[name] = new TensorInfo(name, TensorData.TypeOf(tensor), [.. tensor.Dims.Select(Dimension.Fixed)]);
        return infos;
    }

    private static TensorInfo? FromValueInfo(ValueInfoProto value)
    {
        if (value.Type?.TensorType is not { } tensorType) return null;
        var shape = tensorType.Shape?.Dim
            .Select(d => d.HasDimValue ? Dimension.Fixed(d.DimValue) : Dimension.Symbolic(d.DimParam))
            .ToList();
        return new TensorInfo(value.Name, (DataType)tensorType.ElemType, shape);
    }

    private static TensorInfo FromRuntime(string name, NodeMetadata metadata)
    {
        var shape = metadata.Dimensions
            .Select((d, i) => d >= 0 ? Dimension.Fixed(d) : Dimension.Symbolic(metadata.SymbolicDimensions[i]))
            .ToList();
        return new TensorInfo(name, ToDataType(metadata.ElementDataType), shape);
    }

    private static DataType ToDataType(TensorElementType type) => (DataType)(int)type;
}
