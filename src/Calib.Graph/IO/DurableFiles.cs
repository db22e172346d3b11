using System.Runtime.InteropServices;

namespace Calib.Graph.IO;

/// <summary>
/// Writes that survive a power loss once they return: file data is flushed to the disk before the
/// file is renamed into place (otherwise a rename can reach the disk before the data, leaving an
/// empty file under the final name), and a folder is synced after renames in it.
/// </summary>
internal static class DurableFiles
{
    private const int ReadOnly = 0;

    /// <summary>Creates <paramref name="path"/> (which must not exist) with what <paramref name="write"/> writes, flushed to the disk.</summary>
    public static void Create(string path, Action<Stream> write)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        write(stream);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Flushes the entries of <paramref name="folder"/> (names added, renamed or removed) to the disk; best effort.</summary>
    public static void SyncFolder(string folder)
    {
        // .NET cannot open a folder as a stream; fsync needs its descriptor. Windows has no such step.
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var descriptor = Open(folder, ReadOnly);
        if (descriptor < 0) return;
        try { _ = Fsync(descriptor); }
        finally { _ = Close(descriptor); }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);
}
