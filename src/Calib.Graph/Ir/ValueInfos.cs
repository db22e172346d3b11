using Calib.Graph.Onnx.Proto;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Ir;

/// <summary>Making ONNX value infos (typed tensor declarations for graph inputs and outputs).</summary>
public static class ValueInfos
{
    /// <summary>
    /// A tensor declaration; each dimension is a fixed size (long/int) or a symbolic name (string).
    /// A null <paramref name="dims"/> declares the type only (unknown rank).
    /// </summary>
    public static ValueInfoProto Tensor(string name, DataType type, params object[]? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (var d in dims)
                tensorType.Shape.Dim.Add(d switch
                {
                    string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                    _ => new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) },
                });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
