namespace Calib.Graph.IO;

/// <summary>
/// Says why an input file could not be read in the user's terms: a dangling symbolic link or a
/// permission problem, rather than .NET's "Could not find file" for a file that is plainly listed.
/// </summary>
public static class ReadFailures
{
    /// <summary>The reason <paramref name="path"/> could not be read, given the exception reading it threw.</summary>
    public static string Reason(string path, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is UnauthorizedAccessException) return "permission denied: check the file's and its folders' permissions";
        var link = new FileInfo(path).LinkTarget;
        if (link is not null && error is FileNotFoundException or DirectoryNotFoundException)
            return $"it is a symbolic link to '{link}', which does not exist";
        return error.Message.TrimEnd('.');
    }
}
