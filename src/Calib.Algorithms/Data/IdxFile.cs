using System.Buffers.Binary;
using System.IO.Compression;
using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>The contents of an unsigned-byte idx file: its dimensions and its data, row-major.</summary>
/// <param name="Dimensions">The sizes, outermost first (images: count, rows, columns; labels: count).</param>
/// <param name="Data">The values.</param>
internal sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>
/// Reads the idx format of the MNIST files (LeCun et al.): a big-endian magic number 0x0000TTDD
/// (TT the element type, 0x08 for unsigned bytes; DD the number of dimensions), the dimensions as
/// big-endian int32s, then the data. Gzip-compressed files (.gz) are recognised by their magic
/// bytes and decompressed.
/// </summary>
internal static class IdxFile
{
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="CalibException">The file is missing, not an unsigned-byte idx file, or truncated.</exception>
    public static IdxArray Read(string path)
    {
        var bytes = Decompressed(path);
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new CalibException($"'{path}' is not an idx file (it does not start with the idx magic number 0x0000TTDD): give the MNIST-format idx file.");
        if (bytes[2] != UnsignedByte)
            throw new CalibException($"'{path}' holds idx element type 0x{bytes[2]:X2}; calib reads unsigned-byte (0x08) idx files such as MNIST's.");
        var rank = bytes[3];
        var header = 4 + 4 * rank;
        if (rank == 0 || bytes.Length < header)
            throw new CalibException($"'{path}' is truncated: its idx header declares {rank} dimensions but the file ends first.");
        var dimensions = new int[rank];
        for (var i = 0; i < rank; i++)
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
        var length = dimensions.Aggregate(1L, (a, d) => a * d);
        if (dimensions.Any(d => d < 0) || bytes.Length - header != length)
            throw new CalibException(
                $"'{path}' holds {bytes.Length - header} data bytes but its idx header declares [{string.Join("x", dimensions)}] = {length}: the file is truncated or corrupt.");
        return new IdxArray(dimensions, bytes[header..]);
    }

    private static byte[] Decompressed(string path)
    {
        try
        {
            var raw = File.ReadAllBytes(path);
            if (raw is not [0x1F, 0x8B, ..]) return raw;
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new CalibException($"'{path}' is not a valid gzip file ({e.Message}): replace it with an intact copy.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibException($"Cannot read '{path}': {e.Message}");
        }
    }
}
