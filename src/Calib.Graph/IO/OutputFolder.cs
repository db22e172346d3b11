namespace Calib.Graph.IO;

/// <summary>
/// A run's exclusive hold on its output folder, taken before any work so that an unwritable folder
/// fails at once and two runs cannot mix their files. The hold is an advisory lock on
/// <c>.calib.lock</c> in the folder (the kernel drops it when the process dies, so a killed run
/// never blocks the next); taking it also completes or removes what an interrupted run left (see
/// <see cref="SetPublication"/>). Claims are counted per process: a run and the file sets it commits
/// share one hold. Disposing the last claim removes the lock file and, when nothing was written,
/// the folders the claim created.
/// </summary>
public sealed class OutputFolder : IDisposable
{
    /// <summary>The lock file's name inside the folder.</summary>
    public const string LockName = ".calib.lock";

    private static readonly Lock Sync = new();
    private static readonly Dictionary<string, Hold> Holds = new(StringComparer.Ordinal);

    private Hold? _hold;

    private OutputFolder(string directory, Hold hold)
    {
        Directory = directory;
        _hold = hold;
    }

    /// <summary>The folder, as a full path.</summary>
    public string Directory { get; }

    /// <summary>
    /// Claims <paramref name="directory"/>, creating it: checks it can be written, takes its lock and
    /// cleans up after an interrupted run.
    /// </summary>
    /// <exception cref="CalibException">The folder cannot be created or written, or another calib run holds it.</exception>
    public static OutputFolder Claim(string directory)
    {
        if (string.IsNullOrWhiteSpace(directory))
            throw new CalibException("The output folder is an empty name: give a folder to write to.");
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        lock (Sync)
        {
            if (!Holds.TryGetValue(full, out var hold))
            {
                hold = Hold.Take(full);
                Holds[full] = hold;
            }
            hold.Count++;
            return new OutputFolder(full, hold);
        }
    }

    /// <summary>Gives the claim up; the last one of the process releases the lock.</summary>
    public void Dispose()
    {
        lock (Sync)
        {
            if (_hold is not { } hold) return;
            _hold = null;
            if (--hold.Count > 0) return;
            Holds.Remove(Directory);
            hold.Release();
        }
    }

    private sealed class Hold
    {
        private readonly string _folder;
        private readonly FileStream _lock;
        // The topmost folder the claim created, removed again if the run wrote nothing.
        private readonly string? _created;

        private Hold(string folder, FileStream lockFile, string? created)
        {
            _folder = folder;
            _lock = lockFile;
            _created = created;
        }

        public int Count { get; set; }

        public static Hold Take(string folder)
        {
            if (File.Exists(folder))
                throw new CalibException($"The output folder '{folder}' is a file: choose a folder to write to.");
            var created = TopmostMissing(folder);
            try
            {
                System.IO.Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CalibException($"Cannot create the output folder '{folder}': {e.Message}. Choose another output folder.");
            }
            var lockFile = Lock(folder, created);
            var hold = new Hold(folder, lockFile, created);
            try
            {
                SetPublication.Recover(folder);
            }
            catch
            {
                hold.Release();
                throw;
            }
            return hold;
        }

        public void Release()
        {
            // Unlinked while still locked: whoever opens the name afterwards gets a new file, never this one.
            var path = Path.Join(_folder, LockName);
            try { File.Delete(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            _lock.Dispose();
            RemoveIfEmpty(_folder, _created);
        }

        private static FileStream Lock(string folder, string? created)
        {
            var path = Path.Join(folder, LockName);
            // A lock taken on a file that a finishing run unlinked in between is no lock: take it again.
            for (var attempt = 0; ; attempt++)
            {
                FileStream stream;
                try
                {
                    // FileShare.None is an exclusive, non-blocking flock on Unix.
                    stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (Exception e) when (e is IOException && File.Exists(path))
                {
                    throw new CalibException(
                        $"The output folder '{folder}' is in use by another calib run: wait for it to finish or choose another output folder.");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    RemoveIfEmpty(folder, created);
                    throw new CalibException($"The output folder '{folder}' is not writable: {e.Message}. Choose another output folder or fix its permissions.");
                }
                if (File.Exists(path) || attempt == 3) return stream;
                stream.Dispose();
            }
        }

        private static string? TopmostMissing(string folder)
        {
            string? missing = null;
            for (var dir = folder; dir is not null && !System.IO.Directory.Exists(dir); dir = Path.GetDirectoryName(dir))
                missing = dir;
            return missing;
        }

        // Removes folder and its parents up to the topmost one the claim created, as long as they are empty.
        private static void RemoveIfEmpty(string folder, string? created)
        {
            if (created is null) return;
            for (var dir = folder; dir is not null && dir.Length >= created.Length; dir = Path.GetDirectoryName(dir))
            {
                try
                {
                    if (System.IO.Directory.EnumerateFileSystemEntries(dir).Any()) return;
                    System.IO.Directory.Delete(dir);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
            }
        }
    }
}
