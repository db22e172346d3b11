using System.IO.Compression;

namespace Calib.Graph.IO;

/// <summary>
/// Reads NumPy's .npz archives (numpy.savez and savez_compressed): a zip file holding one .npy
/// array per key, "key.npy".
/// </summary>
public static class NpzFile
{
    /// <summary>The arrays of <paramref name="file"/> by key, in archive order.</summary>
    /// <exception cref="CalibException">The file is not a zip archive, or an entry is not a readable .npy array.</exception>
    public static IReadOnlyList<KeyValuePair<string, TypedArray>> Read(string file)
    {
        try
        {
            using var archive = ZipFile.OpenRead(file);
            var arrays = new List<KeyValuePair<string, TypedArray>>();
            foreach (var entry in archive.Entries)
            {
                if (entry.FullName.EndsWith('/')) continue;
                var key = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                using var stream = entry.Open();
                using var buffer = new MemoryStream((int)entry.Length);
                stream.CopyTo(buffer);
                arrays.Add(new(key, NpyFile.ReadTyped(buffer.ToArray(), $"{file}[{key}]")));
            }
            return arrays;
        }
        catch (InvalidDataException e)
        {
            throw new CalibException($"'{file}' is not a .npz file calib can read ({e.Message}): save it with numpy.savez or numpy.savez_compressed.");
        }
    }
}
