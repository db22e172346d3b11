using System.Buffers.Binary;
using System.IO.Compression;
using Calib.Graph;

namespace Calib.Algorithms.Ristretto;

/// <summary>
/// Reads MNIST's IDX files (big-endian magic, item count, for images rows and columns, then one
/// byte per pixel or label), plain or gzipped. Kept internal to Ristretto's evaluation set until
/// the labelled evaluation sets of the accuracy report can hold it.
/// </summary>
internal static class MnistIdx
{
    private const int ImagesMagic = 0x803;
    private const int LabelsMagic = 0x801;

    /// <summary>The images file in <paramref name="directory"/> (t10k-images-idx3-ubyte[.gz] or another *-images-idx3-ubyte[.gz]), or null.</summary>
    public static string? FindImages(string directory) =>
        Directory.EnumerateFiles(directory)
            .Where(f => Path.GetFileName(f).Contains("-images-idx3-ubyte", StringComparison.Ordinal))
            .OrderBy(f => Path.GetFileName(f).StartsWith("t10k", StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(f => f, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>The labels file that goes with <paramref name="imagesPath"/> ("images-idx3" → "labels-idx1").</summary>
    /// <exception cref="CalibException">It does not exist.</exception>
    public static string LabelsFor(string imagesPath)
    {
        var name = Path.GetFileName(imagesPath).Replace("-images-idx3-ubyte", "-labels-idx1-ubyte", StringComparison.Ordinal);
        var directory = Path.GetDirectoryName(imagesPath) ?? ".";
        foreach (var candidate in new[] { name, name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name + ".gz" })
            if (File.Exists(Path.Combine(directory, candidate))) return Path.Combine(directory, candidate);
        throw new CalibException($"MNIST images '{imagesPath}' have no labels file '{name}' beside them.");
    }

    /// <summary>Reads an images file: (count, rows, columns, pixels row-major per image).</summary>
    /// <exception cref="CalibException">The file is not an IDX images file.</exception>
    public static (int Count, int Rows, int Columns, byte[] Pixels) ReadImages(string path)
    {
        var bytes = ReadBytes(path);
        CheckMagic(bytes, path, ImagesMagic, 16);
        var count = Int(bytes, 4);
        var rows = Int(bytes, 8);
        var columns = Int(bytes, 12);
        CheckLength(bytes, path, 16 + (long)count * rows * columns);
        return (count, rows, columns, bytes[16..(16 + count * rows * columns)]);
    }

    /// <summary>Reads a labels file.</summary>
    /// <exception cref="CalibException">The file is not an IDX labels file.</exception>
    public static byte[] ReadLabels(string path)
    {
        var bytes = ReadBytes(path);
        CheckMagic(bytes, path, LabelsMagic, 8);
        var count = Int(bytes, 4);
        CheckLength(bytes, path, 8 + (long)count);
        return bytes[8..(8 + count)];
    }

    private static byte[] ReadBytes(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            return memory.ToArray();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new CalibException($"Cannot read MNIST file '{path}': {e.Message}");
        }
    }

    private static int Int(byte[] bytes, int offset) => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));

    private static void CheckMagic(byte[] bytes, string path, int magic, int headerLength)
    {
        if (bytes.Length < headerLength || Int(bytes, 0) != magic)
            throw new CalibException($"'{path}' is not an MNIST IDX {(magic == ImagesMagic ? "images" : "labels")} file (magic 0x{magic:X8} expected).");
    }

    private static void CheckLength(byte[] bytes, string path, long expected)
    {
        if (bytes.Length < expected)
            throw new CalibException($"MNIST file '{path}' is truncated: {bytes.Length} bytes, {expected} expected.");
    }
}
