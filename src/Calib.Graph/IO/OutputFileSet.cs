namespace Calib.Graph.IO;

/// <summary>
/// The files of one run, written together: every file's content is produced first, then each is
/// written to a temporary name in the output folder and renamed into place. A run that fails
/// while producing content writes nothing and leaves the previous run's files untouched.
/// </summary>
public sealed class OutputFileSet(string directory)
{
    private readonly List<(string Name, byte[] Content)> _files = [];

    /// <summary>The output folder.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The full paths the set will write, in order.</summary>
    public IEnumerable<string> Paths => _files.Select(f => Path.Combine(Directory, f.Name));

    /// <summary>Adds a file (name relative to the folder) with its bytes.</summary>
    public void Add(string name, byte[] content) => _files.Add((name, content));

    /// <summary>Adds a UTF-8 text file.</summary>
    public void AddText(string name, string text) => Add(name, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Writes every file.</summary>
    public void Commit()
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibException($"Cannot create the output folder '{Directory}': {e.Message}. Choose another --output.");
        }
        foreach (var (name, content) in _files)
        {
            try { AtomicFile.WriteAllBytes(Path.Combine(Directory, name), content); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CalibException($"Cannot write '{Path.Combine(Directory, name)}': {e.Message}.");
            }
        }
    }
}
