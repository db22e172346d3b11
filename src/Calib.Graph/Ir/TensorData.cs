using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Calib.Graph.Onnx.Proto;
using Google.Protobuf;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Ir;

/// <summary>
/// Reading and making ONNX tensors. ONNX stores tensor data either as little-endian
/// <c>raw_data</c> or in a typed repeated field that depends on the element type; these
/// helpers hide the difference. Tensors calib makes always use <c>raw_data</c>.
/// </summary>
public static class TensorData
{
    /// <summary>The element type of a tensor.</summary>
    public static DataType TypeOf(TensorProto tensor) => (DataType)tensor.DataType;

    /// <summary>Number of elements: the product of the dimensions (1 for a scalar).</summary>
    public static long ElementCount(TensorProto tensor) => tensor.Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>Size in bytes of one element of a fixed-size type; 0 for strings and sub-byte types.</summary>
    public static int ElementSize(DataType type) => type switch
    {
        DataType.Float or DataType.Int32 or DataType.Uint32 => 4,
        DataType.Double or DataType.Int64 or DataType.Uint64 or DataType.Complex64 => 8,
        DataType.Complex128 => 16,
        DataType.Float16 or DataType.Bfloat16 or DataType.Int16 or DataType.Uint16 => 2,
        DataType.Int8 or DataType.Uint8 or DataType.Bool
            or DataType.Float8E4M3Fn or DataType.Float8E4M3Fnuz or DataType.Float8E5M2 or DataType.Float8E5M2Fnuz => 1,
        _ => 0,
    };

    /// <summary>
    /// The tensor's contents as little-endian bytes in row-major order, whichever field holds them.
    /// Not for STRING tensors.
    /// </summary>
    public static byte[] RawBytes(TensorProto tensor)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            throw new InvalidOperationException($"Tensor '{tensor.Name}' still refers to external data; load the model from its file.");
        if (!tensor.RawData.IsEmpty) return tensor.RawData.ToByteArray();
        var type = TypeOf(tensor);
        return type switch
        {
            DataType.Float or DataType.Complex64 => MemoryMarshal.AsBytes(tensor.FloatData.ToArray().AsSpan()).ToArray(),
            DataType.Double or DataType.Complex128 => MemoryMarshal.AsBytes(tensor.DoubleData.ToArray().AsSpan()).ToArray(),
            DataType.Int64 => MemoryMarshal.AsBytes(tensor.Int64Data.ToArray().AsSpan()).ToArray(),
            DataType.Uint64 or DataType.Uint32 => NarrowUInt64s(tensor.Uint64Data, ElementSize(type)),
            DataType.Int32 => MemoryMarshal.AsBytes(tensor.Int32Data.ToArray().AsSpan()).ToArray(),
            // ONNX keeps these narrow types one element per int32_data entry.
            _ when ElementSize(type) is 1 or 2 => NarrowInt32s(tensor.Int32Data, ElementSize(type)),
            _ => throw new CalibException($"Tensor '{tensor.Name}' has element type {type}, which calib cannot read."),
        };
    }

    /// <summary>The tensor as float32 values (FLOAT, DOUBLE and FLOAT16 tensors are accepted).</summary>
    public static float[] ReadFloats(TensorProto tensor)
    {
        var bytes = RawBytes(tensor);
        return TypeOf(tensor) switch
        {
            DataType.Float => MemoryMarshal.Cast<byte, float>(bytes).ToArray(),
            DataType.Double => MemoryMarshal.Cast<byte, double>(bytes).ToArray().Select(d => (float)d).ToArray(),
            DataType.Float16 => MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h).ToArray(),
            var other => throw new CalibException($"Tensor '{tensor.Name}' holds {other} values where float values were expected."),
        };
    }

    /// <summary>The tensor as int64 values (INT64, INT32, INT8, UINT8 and BOOL tensors are accepted).</summary>
    public static long[] ReadInt64s(TensorProto tensor)
    {
        var bytes = RawBytes(tensor);
        return TypeOf(tensor) switch
        {
            DataType.Int64 => MemoryMarshal.Cast<byte, long>(bytes).ToArray(),
            DataType.Int32 => MemoryMarshal.Cast<byte, int>(bytes).ToArray().Select(v => (long)v).ToArray(),
            DataType.Int8 => bytes.Select(b => (long)(sbyte)b).ToArray(),
            DataType.Uint8 or DataType.Bool => bytes.Select(b => (long)b).ToArray(),
            var other => throw new CalibException($"Tensor '{tensor.Name}' holds {other} values where integer values were expected."),
        };
    }

    /// <summary>A FLOAT tensor with the given shape and values.</summary>
    public static TensorProto FromFloats(IEnumerable<long> dims, ReadOnlySpan<float> values, string name = "") =>
        Make(name, DataType.Float, dims, MemoryMarshal.AsBytes(values));

    /// <summary>An INT64 tensor with the given shape and values.</summary>
    public static TensorProto FromInt64s(IEnumerable<long> dims, ReadOnlySpan<long> values, string name = "") =>
        Make(name, DataType.Int64, dims, MemoryMarshal.AsBytes(values));

    /// <summary>An INT32 tensor with the given shape and values.</summary>
    public static TensorProto FromInt32s(IEnumerable<long> dims, ReadOnlySpan<int> values, string name = "") =>
        Make(name, DataType.Int32, dims, MemoryMarshal.AsBytes(values));

    /// <summary>An INT8 tensor with the given shape and values.</summary>
    public static TensorProto FromInt8s(IEnumerable<long> dims, ReadOnlySpan<sbyte> values, string name = "") =>
        Make(name, DataType.Int8, dims, MemoryMarshal.AsBytes(values));

    /// <summary>A UINT8 tensor with the given shape and values.</summary>
    public static TensorProto FromUInt8s(IEnumerable<long> dims, ReadOnlySpan<byte> values, string name = "") =>
        Make(name, DataType.Uint8, dims, values);

    /// <summary>A FLOAT scalar (rank 0).</summary>
    public static TensorProto Scalar(float value, string name = "") => FromFloats([], [value], name);

    /// <summary>An INT64 scalar (rank 0).</summary>
    public static TensorProto Scalar(long value, string name = "") => FromInt64s([], [value], name);

    private static TensorProto Make(string name, DataType type, IEnumerable<long> dims, ReadOnlySpan<byte> bytes)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static byte[] NarrowInt32s(IList<int> values, int size)
    {
        var bytes = new byte[values.Count * size];
        for (var i = 0; i < values.Count; i++)
        {
            if (size == 1) bytes[i] = (byte)values[i];
            else BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)values[i]);
        }
        return bytes;
    }

    private static byte[] NarrowUInt64s(IList<ulong> values, int size)
    {
        var bytes = new byte[values.Count * size];
        for (var i = 0; i < values.Count; i++)
        {
            if (size == 4) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), (uint)values[i]);
            else BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }
        return bytes;
    }
}
