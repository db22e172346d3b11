using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
namespace Calib.Graph.IO;

/// <summary>
/// Reads NumPy's .npy format (versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", a version, a
/// header length, a Python dict literal with descr, fortran_order and shape, then the raw data.
/// Only the dtypes calib needs are read: float32 little-endian and uint8, in C order (calibration
/// tensors, reference tensors of tests).
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private const string Float32 = "<f4";

    private static readonly string[] UInt8 = ["|u1", "<u1"];

    /// <summary>Reads <paramref name="file"/>.</summary>
    /// <exception cref="CalibException">The file is not a .npy file calib can read; the message says why.</exception>
    public static NpyArray Read(string file)
    {
        var bytes = System.IO.File.ReadAllBytes(file);
        var (header, dataStart) = ReadHeader(bytes, file);
        var descr = Field(DescrPattern(), header, file, "descr");
        if (Field(FortranPattern(), header, file, "fortran_order") == "True")
            throw new CalibException(
                $"'{file}' is stored in Fortran order: save the array in C order (numpy.ascontiguousarray) for calib.");
        var shape = ParseShape(Field(ShapePattern(), header, file, "shape"), file);
        var count = shape.Aggregate(1L, (product, dimension) => product * dimension);
        var data = bytes.AsSpan(dataStart);
        if (descr == Float32) return new NpyArray(shape, ReadFloats(data, count, file), null);
        if (UInt8.Contains(descr)) return new NpyArray(shape, null, ReadBytes(data, count, file));
        throw new CalibException(
            $"'{file}' has dtype '{descr}': calib reads float32 ('<f4') and uint8 ('|u1') .npy files; " +
            "convert it with array.astype(numpy.float32).");
    }

    private static (string Header, int DataStart) ReadHeader(byte[] bytes, string file)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CalibException($"'{file}' is not a .npy file (it does not start with \\x93NUMPY).");
        var major = bytes[6];
        var (lengthSize, encoding) = major switch
        {
            1 => (2, Encoding.Latin1),
            2 => (4, Encoding.Latin1),
            3 => (4, Encoding.UTF8),
            _ => throw new CalibException(
                $"'{file}' is .npy format version {major}.{bytes[7]}: calib reads versions 1.0, 2.0 and 3.0."),
        };
        var start = 8 + lengthSize;
        if (bytes.Length < start) throw Truncated(file);
        var length = lengthSize == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8))
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (length > bytes.Length - start) throw Truncated(file);
        return (encoding.GetString(bytes, start, (int)length), start + (int)length);
    }

    private static string Field(Regex pattern, string header, string file, string name)
    {
        var match = pattern.Match(header);
        return match.Success
            ? match.Groups[1].Value
            : throw new CalibException($"'{file}' has a .npy header without a readable '{name}' entry: {header.Trim()}");
    }

    private static int[] ParseShape(string text, string file)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var shape = new int[items.Length];
        for (var i = 0; i < items.Length; i++)
            if (!int.TryParse(items[i], out shape[i]) || shape[i] < 0)
                throw new CalibException($"'{file}' has a .npy shape that calib cannot read: ({text}).");
        return shape;
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> data, long count, string file)
    {
        if (data.Length < count * sizeof(float)) throw Truncated(file);
        // .NET runs on little-endian machines only, so '<f4' bytes are floats as they are.
        var floats = MemoryMarshal.Cast<byte, float>(data[..(int)(count * sizeof(float))]).ToArray();
        foreach (var value in floats)
            if (!float.IsFinite(value))
                throw new CalibException($"'{file}' contains NaN or infinite values: calibration tensors must be finite.");
        return floats;
    }

    private static byte[] ReadBytes(ReadOnlySpan<byte> data, long count, string file) =>
        data.Length < count ? throw Truncated(file) : data[..(int)count].ToArray();

    private static CalibException Truncated(string file) =>
        new($"'{file}' is truncated: it holds less data than its .npy header declares.");

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
