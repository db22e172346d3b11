namespace Calib.Graph.IO;

/// <summary>
/// The path the operating system opens for a given path: every symbolic link followed, component by
/// component, and '.' and '..' applied to the real folder they are in (as POSIX realpath does),
/// so that a check on the result holds for the file actually read.
/// </summary>
internal static class RealPath
{
    // Linux gives up (ELOOP) after 40 links in one lookup.
    private const int MaxLinks = 40;

    /// <summary>The real path of <paramref name="path"/>; parts that do not exist are kept as written.</summary>
    /// <exception cref="IOException">The path goes through more than 40 symbolic links (a loop).</exception>
    public static string Of(string path)
    {
        var links = 0;
        return Resolve(Path.IsPathRooted(path) ? path : Path.Join(Directory.GetCurrentDirectory(), path), ref links);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or lies below it; both are real paths.</summary>
    public static bool IsInside(string path, string folder)
    {
        var prefix = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal) || path == folder;
    }

    // Path.GetFullPath is not used: it removes "link/.." textually, which is not where the system goes.
    private static string Resolve(string rooted, ref int links)
    {
        var root = Path.GetPathRoot(rooted)!;
        var current = root;
        foreach (var part in rooted[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Join(current, part);
            if (new FileInfo(next).LinkTarget is not { } target)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks) throw new IOException($"'{next}' goes through more than {MaxLinks} symbolic links (a loop)");
            current = Resolve(Path.IsPathRooted(target) ? target : Path.Join(current, target), ref links);
        }
        return current;
    }
}
