using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace Calib.Tests.Shared;

/// <summary>One array of a .npy or .npz file: its numpy descriptor (<c>&lt;f4</c>, <c>&lt;i8</c>, <c>|u1</c>, …), shape and raw bytes.</summary>
/// <param name="Descr">numpy's dtype descriptor.</param>
/// <param name="Shape">The dimensions; empty for a scalar.</param>
/// <param name="Data">The values, little-endian, row-major (column-major with fortran_order).</param>
public sealed record NpyEntry(string Descr, int[] Shape, byte[] Data)
{
    /// <summary>A float32 array.</summary>
    public static NpyEntry Floats(int[] shape, params float[] values) => new("<f4", shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>An int64 array.</summary>
    public static NpyEntry Int64s(int[] shape, params long[] values) => new("<i8", shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}

/// <summary>
/// numpy's files as numpy writes them, for test data: <c>.npy</c> (format 1.0 or 2.0, the header padded to 64 bytes)
/// and <c>.npz</c> (a zip of stored <c>.npy</c> entries, as numpy.savez writes it).
/// </summary>
public static class NumpyFiles
{
    /// <summary>Writes a .npy file of <paramref name="entry"/>; returns <paramref name="path"/>.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="entry">The array.</param>
    /// <param name="fortran">The header's fortran_order (the data must then be column-major).</param>
    /// <param name="version">The format's major version: 1 (a 2-byte header length) or 2 (4 bytes).</param>
    public static string Npy(string path, NpyEntry entry, bool fortran = false, int version = 1)
    {
        using var file = File.Create(path);
        Write(file, entry, fortran, version);
        return path;
    }

    /// <summary>Writes a .npz archive of <paramref name="arrays"/>, each stored under its key + ".npy"; returns <paramref name="path"/>.</summary>
    public static string Npz(string path, params (string Key, NpyEntry Array)[] arrays)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (key, array) in arrays)
        {
            using var entry = zip.CreateEntry(key + ".npy", CompressionLevel.NoCompression).Open();
            Write(entry, array, fortran: false, version: 1);
        }
        return path;
    }

    private static void Write(Stream stream, NpyEntry entry, bool fortran, int version)
    {
        var shape = entry.Shape.Length == 1 ? $"({entry.Shape[0]},)" : $"({string.Join(", ", entry.Shape)})";
        var dict = $"{{'descr': '{entry.Descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        var lengthSize = version == 1 ? 2 : 4;
        var prefix = 8 + lengthSize;
        var header = dict.PadRight((prefix + dict.Length + 1 + 63) / 64 * 64 - prefix - 1) + "\n";
        stream.Write([0x93, .. "NUMPY"u8, (byte)version, 0]);
        stream.Write(lengthSize == 2 ? BitConverter.GetBytes((ushort)header.Length) : BitConverter.GetBytes((uint)header.Length));
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(entry.Data);
    }
}
