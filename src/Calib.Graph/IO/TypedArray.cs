using System.Runtime.InteropServices;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.IO;

/// <summary>
/// A tensor read from a data file (.npy, .npz entry, raw .bin): its ONNX element type, its shape and
/// its values as little-endian bytes in C order, ready to be fed to a model input of that type.
/// </summary>
/// <param name="ElementType">The ONNX element type.</param>
/// <param name="Shape">The dimensions (empty for a scalar).</param>
/// <param name="Data">Element count × element size bytes.</param>
public sealed record TypedArray(DataType ElementType, long[] Shape, byte[] Data)
{
    /// <summary>The number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    /// <summary>The shape as text, e.g. "[1,28,28]" ("[]" for a scalar).</summary>
    public string ShapeText => $"[{string.Join(",", Shape)}]";

    /// <summary>The element type as NumPy names it, e.g. "int64".</summary>
    public string TypeName => ElementTypes.Name(ElementType);

    /// <summary>A float32 array from <paramref name="values"/>.</summary>
    public static TypedArray FromFloats(float[] values, long[] shape) =>
        new(DataType.Float, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>The values as floats; only for float32 arrays.</summary>
    public ReadOnlySpan<float> Floats => ElementType == DataType.Float
        ? MemoryMarshal.Cast<byte, float>(Data.AsSpan())
        : throw new InvalidOperationException($"A {TypeName} array has no float32 values.");

    /// <summary>The number of NaN or infinite values (0 for integer and bool arrays).</summary>
    public long NonFinite()
    {
        long count = 0;
        if (ElementType == DataType.Float)
            foreach (var value in MemoryMarshal.Cast<byte, float>(Data.AsSpan())) count += float.IsFinite(value) ? 0 : 1;
        else if (ElementType == DataType.Float16)
            foreach (var value in MemoryMarshal.Cast<byte, Half>(Data.AsSpan())) count += Half.IsFinite(value) ? 0 : 1;
        else if (ElementType == DataType.Double)
            foreach (var value in MemoryMarshal.Cast<byte, double>(Data.AsSpan())) count += double.IsFinite(value) ? 0 : 1;
        return count;
    }
}
