namespace Calib.Bench;

/// <summary>A fresh folder under the system temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    private TempDirectory(string path) => Path = path;

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>Creates a folder named calib-bench-*.</summary>
    public static TempDirectory Create() => new(Directory.CreateTempSubdirectory("calib-bench-").FullName);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
