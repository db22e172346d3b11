namespace Calib.Graph.IO;

/// <summary>
/// Publishes a set of files into a folder as one unit, with a redo journal:
/// <list type="number">
/// <item>every file is written into the staging folder <c>.calib-staging/</c> inside the target folder
/// and flushed to the disk; the target folder is not touched;</item>
/// <item>the list of names is written, flushed and renamed to <c>.calib-staging/.calib-publish</c>:
/// the commit point — before it the old set is the outcome, after it the new one;</item>
/// <item>each staged file is renamed over its target, then the staging folder is removed.</item>
/// </list>
/// A process killed in step 1 or 2 leaves the old set untouched; <see cref="Recover"/> (run when the
/// next writer claims the folder) deletes the staging folder. Killed in step 3, it leaves the journal,
/// and <see cref="Recover"/> finishes the renames. Renames within one folder are atomic, so no file
/// is ever seen half-written.
/// </summary>
internal static class SetPublication
{
    /// <summary>The staging folder's name inside the target folder.</summary>
    public const string StagingName = ".calib-staging";

    /// <summary>The journal's name inside the staging folder; its presence is the commit point.</summary>
    public const string JournalName = ".calib-publish";

    /// <summary>Writes <paramref name="files"/> into <paramref name="folder"/> as one unit; the caller holds the folder's claim.</summary>
    /// <param name="folder">The target folder (full path); it exists.</param>
    /// <param name="files">Plain file names and what writes their content.</param>
    /// <param name="beforeStep">Test seam: called before each step that changes the disk, with its name.</param>
    /// <exception cref="CalibException">A file cannot be written (nothing changed), or publishing stopped after the commit point.</exception>
    public static void Publish(string folder, IReadOnlyList<(string Name, Action<Stream> Write)> files, Action<string>? beforeStep)
    {
        Recover(folder);
        foreach (var (name, _) in files)
            if (Directory.Exists(Path.Join(folder, name)))
                throw new CalibException(
                    $"Cannot write '{Path.Join(folder, name)}': a folder of that name is in the way. Nothing was written: move that folder away or choose another output folder.");
        var staging = Path.Join(folder, StagingName);
        try
        {
            Directory.CreateDirectory(staging);
            foreach (var (name, write) in files)
            {
                beforeStep?.Invoke($"write {name}");
                DurableFiles.Create(Path.Join(staging, name), write);
            }
            beforeStep?.Invoke("write journal");
            var journal = Path.Join(staging, JournalName);
            var names = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', files.Select(f => f.Name)));
            DurableFiles.Create(journal + ".tmp", stream => stream.Write(names));
            beforeStep?.Invoke("commit");
            File.Move(journal + ".tmp", journal);
            DurableFiles.SyncFolder(staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(staging);
            throw new CalibException(
                $"Cannot write the outputs to '{folder}': {e.Message}. Nothing was written; the folder holds what it held before.");
        }
        try
        {
            MoveIn(folder, files.Select(f => f.Name), beforeStep);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibException(
                $"Publishing the outputs in '{folder}' stopped part-way: {e.Message}. The new files wait in '{staging}'; " +
                "the next calib command writing to that folder completes the set.");
        }
    }

    /// <summary>
    /// Completes or discards what an interrupted <see cref="Publish"/> left in <paramref name="folder"/>:
    /// a committed set is renamed into place, an uncommitted one deleted. The caller holds the folder's claim.
    /// </summary>
    /// <exception cref="CalibException">The leftovers cannot be completed or removed.</exception>
    public static void Recover(string folder)
    {
        var staging = Path.Join(folder, StagingName);
        if (!Directory.Exists(staging)) return;
        try
        {
            var journal = Path.Join(staging, JournalName);
            if (File.Exists(journal))
                MoveIn(folder, File.ReadAllText(journal).Split('\n', StringSplitOptions.RemoveEmptyEntries), null);
            else
                Directory.Delete(staging, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibException(
                $"The output folder '{folder}' holds the leftovers of an interrupted calib run ('{StagingName}') that cannot be cleaned up: {e.Message}. Remove '{staging}' by hand.");
        }
    }

    // The commit point is passed: rename every staged file that is still staged, then drop the staging folder.
    private static void MoveIn(string folder, IEnumerable<string> names, Action<string>? beforeStep)
    {
        var staging = Path.Join(folder, StagingName);
        foreach (var name in names.Where(IsPlainName))
        {
            var staged = Path.Join(staging, name);
            if (!File.Exists(staged)) continue;
            beforeStep?.Invoke($"publish {name}");
            var target = Path.Join(folder, name);
            AtomicFile.RemoveStaleTemporaries(target);
            File.Move(staged, target, overwrite: true);
        }
        DurableFiles.SyncFolder(folder);
        beforeStep?.Invoke("clean up");
        Directory.Delete(staging, recursive: true);
    }

    /// <summary>True for a file name without a folder part (and not '.' or '..').</summary>
    public static bool IsPlainName(string name) =>
        name.Length > 0 && name is not ("." or "..") && Path.GetFileName(name) == name && !name.Contains('\\');

    private static void TryDelete(string staging)
    {
        // Left behind only when the disk refuses even this; the next claim of the folder removes it.
        try { if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
