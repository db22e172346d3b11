using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.IO;

/// <summary>
/// The tensor element types calib reads from data files: their NumPy names (as --data-types takes
/// them), NumPy .npy descriptors and sizes.
/// </summary>
public static class ElementTypes
{
    private static readonly (DataType Type, string Name, string[] Descriptors, int Size)[] Known =
    [
        (DataType.Float, "float32", ["<f4"], 4),
        (DataType.Float16, "float16", ["<f2"], 2),
        (DataType.Double, "float64", ["<f8"], 8),
        (DataType.Int64, "int64", ["<i8"], 8),
        (DataType.Int32, "int32", ["<i4"], 4),
        (DataType.Int16, "int16", ["<i2"], 2),
        (DataType.Int8, "int8", ["|i1", "<i1"], 1),
        (DataType.Uint8, "uint8", ["|u1", "<u1"], 1),
        (DataType.Bool, "bool", ["|b1", "<b1"], 1),
    ];

    /// <summary>The names --data-types accepts, for messages.</summary>
    public static string Names => string.Join(", ", Known.Select(k => k.Name));

    /// <summary>The NumPy name of <paramref name="type"/> ("float32", "int64", …), or ONNX's name for types calib does not read.</summary>
    public static string Name(DataType type) =>
        Known.FirstOrDefault(k => k.Type == type).Name ?? type.ToString().ToLowerInvariant();

    /// <summary>The size in bytes of one element of <paramref name="type"/>.</summary>
    /// <exception cref="CalibException">calib reads no data of this type.</exception>
    public static int Size(DataType type) => Known.FirstOrDefault(k => k.Type == type).Size is > 0 and var size
        ? size
        : throw new CalibException($"calib cannot feed {Name(type)} tensors: it reads {Names}.");

    /// <summary>The type a NumPy name stands for ("float32", "int64", …; case-insensitive), or null.</summary>
    public static DataType? Parse(string name) =>
        Known.Where(k => k.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase)).Select(k => (DataType?)k.Type).FirstOrDefault();

    /// <summary>The type of a .npy descriptor ("&lt;f4", "|b1", …), or null when calib does not read it.</summary>
    public static DataType? FromDescriptor(string descriptor) =>
        Known.Where(k => k.Descriptors.Contains(descriptor)).Select(k => (DataType?)k.Type).FirstOrDefault();
}
