namespace Calib.Graph.IO;

/// <summary>
/// The files of one run, written together and published as one unit: every file's content is
/// produced first; <see cref="Commit"/> then writes them all into a staging folder inside the output
/// folder and publishes them together (see <see cref="SetPublication"/>), under the folder's
/// <see cref="OutputFolder"/> claim. A run that fails or is killed before the commit point leaves
/// the previous run's files untouched; one killed after it is completed by the next claim of the folder.
/// </summary>
public sealed class OutputFileSet(string directory)
{
    private readonly List<(string Name, Action<Stream> Write)> _files = [];

    /// <summary>The output folder.</summary>
    public string Directory { get; } = string.IsNullOrWhiteSpace(directory) ? directory : Path.GetFullPath(directory);

    /// <summary>The full paths the set will write, in order.</summary>
    public IEnumerable<string> Paths => _files.Select(f => Path.Combine(Directory, f.Name));

    /// <summary>Test seam: called before each step of <see cref="Commit"/> that changes the disk, with its name; throwing stops the commit there, as a kill would.</summary>
    internal Action<string>? BeforeStep { get; init; }

    /// <summary>Adds a file (a plain name in the folder) with its bytes.</summary>
    /// <exception cref="ArgumentException">The name has a folder part, is one of calib's own, or is already in the set.</exception>
    public void Add(string name, byte[] content) => Add(name, stream => stream.Write(content));

    /// <summary>
    /// Adds a file whose content <paramref name="write"/> streams at commit time, for content too large for
    /// one array (a model's external data). It must write the same bytes whenever it is called.
    /// </summary>
    /// <exception cref="ArgumentException">The name has a folder part, is one of calib's own, or is already in the set.</exception>
    public void Add(string name, Action<Stream> write)
    {
        if (!SetPublication.IsPlainName(name) || name.StartsWith(".calib", StringComparison.Ordinal))
            throw new ArgumentException($"'{name}' is not a plain file name of an output set.", nameof(name));
        if (_files.Any(f => f.Name == name))
            throw new ArgumentException($"'{name}' is already in the output set.", nameof(name));
        _files.Add((name, write));
    }

    /// <summary>Adds a UTF-8 text file.</summary>
    public void AddText(string name, string text) => Add(name, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Publishes every file, as one unit.</summary>
    /// <exception cref="CalibException">The folder cannot be claimed or written; nothing was changed, unless the message says the publication stopped part-way.</exception>
    public void Commit()
    {
        using var folder = OutputFolder.Claim(Directory);
        SetPublication.Publish(folder.Directory, _files, BeforeStep);
    }
}
