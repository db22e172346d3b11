using System.Diagnostics;
using System.Globalization;

namespace Calib.Graph.IO;

/// <summary>
/// Writes one file so that readers never see a partial file: the content goes to a temporary
/// file in the same folder (<c>name.PID.tmp</c>), flushed to the disk, which then replaces the target
/// in one rename. Temporaries left by killed processes are removed by the next write of the same file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        RemoveStaleTemporaries(full);
        var temp = full + $".{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Deletes the <c>name.PID.tmp</c> files of <paramref name="target"/> whose process no longer runs.</summary>
    internal static void RemoveStaleTemporaries(string target)
    {
        var folder = Path.GetDirectoryName(target)!;
        var prefix = Path.GetFileName(target) + ".";
        if (!Directory.Exists(folder)) return;
        foreach (var temp in Directory.EnumerateFiles(folder, prefix + "*.tmp"))
        {
            var pid = Path.GetFileName(temp)[prefix.Length..^".tmp".Length];
            if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && !IsRunning(id))
            {
                // One that cannot be deleted now is tried again by the next write.
                try { File.Delete(temp); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
