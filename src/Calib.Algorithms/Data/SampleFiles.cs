using System.Globalization;

namespace Calib.Algorithms.Data;

/// <summary>
/// Opens sample files defensively. A calibration or evaluation folder may hold anything: a FIFO or
/// device named like an image would block the run forever, a dangling link or an unreadable file
/// would surface as a decoder's "InternalError", and a header claiming 100000×100000 pixels would
/// ask for 40 GB. Each becomes an <see cref="UnreadableFileException"/> that says which it is (and
/// that <c>--skip-bad-images</c> may skip).
/// </summary>
internal static class SampleFiles
{
    /// <summary>The most pixels an image may have (100 megapixels: 400 MB decoded as RGBA).</summary>
    public const long MaxPixels = 100_000_000;

    /// <summary>Opens <paramref name="file"/> for reading once it is known to be a regular, readable file.</summary>
    /// <param name="file">The sample file.</param>
    /// <param name="what">What the file should be, for messages ("PNG/JPEG/BMP image", ".npy tensor").</param>
    /// <exception cref="UnreadableFileException">The file is missing, a dangling link, not a regular file, or not readable.</exception>
    public static FileStream OpenRegular(string file, string what)
    {
        var info = Target(new FileInfo(file), what);
        // .NET cannot tell a FIFO, socket or device from a file, but they all report no length, and
        // opening a FIFO would wait for a writer: refuse before opening.
        if (info.Length == 0)
            throw new UnreadableFileException(file, "it is empty, or not a regular file (a FIFO, socket or device)", what);
        try
        {
            return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (UnauthorizedAccessException)
        {
            throw new UnreadableFileException(file, "permission denied: calib may not read it", what);
        }
        catch (IOException e)
        {
            throw new UnreadableFileException(file, e.Message.TrimEnd('.'), what);
        }
    }

    // The file a symbolic link finally points to; the checks apply to it, not to the link.
    private static FileInfo Target(FileInfo info, string what)
    {
        var file = info.FullName;
        FileSystemInfo? target = info;
        try
        {
            if (info.LinkTarget is not null) target = info.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException e)
        {
            throw new UnreadableFileException(file, $"its symbolic link cannot be followed: {e.Message.TrimEnd('.')}", what);
        }
        if (target is FileInfo { Exists: true } found) return found;
        if (target is DirectoryInfo { Exists: true }) throw new UnreadableFileException(file, "it is a folder", what);
        throw new UnreadableFileException(file, info.LinkTarget is { } link
            ? $"it is a symbolic link to '{link}', which does not exist"
            : "it no longer exists", what);
    }

    /// <summary>Refuses an image whose header claims more than <see cref="MaxPixels"/> pixels, before it is decoded.</summary>
    /// <exception cref="UnreadableFileException">The image is too large.</exception>
    public static void CheckPixelCount(string file, int width, int height)
    {
        var pixels = (long)width * height;
        if (width <= 0 || height <= 0 || pixels > MaxPixels)
            throw new UnreadableFileException(file, string.Create(CultureInfo.InvariantCulture,
                $"its header says {width}x{height} = {pixels:N0} pixels; calib decodes at most {MaxPixels:N0}"), "PNG/JPEG/BMP image");
    }
}
