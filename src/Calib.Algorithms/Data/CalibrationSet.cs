using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>
/// The files of a calibration folder (--calib-set): PNG, JPEG and BMP images and, optionally, .npy
/// tensors, found recursively and sorted by relative path (ordinal) so that every run sees them in
/// the same order.
/// </summary>
public sealed class CalibrationSet
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    private const string NpyExtension = ".npy";

    private CalibrationSet(string directory, IReadOnlyList<string> files)
    {
        Directory = directory;
        Files = files;
    }

    /// <summary>The folder as given to <see cref="Open"/>.</summary>
    public string Directory { get; }

    /// <summary>The files, each as <see cref="Directory"/> joined with its relative path, in sorted order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The files as samples for a <see cref="BatchReader"/>.</summary>
    public SampleList Samples => new(Directory, Files.Select(file => new SampleFile(file)).ToList());

    /// <summary>Finds the calibration files under <paramref name="directory"/>.</summary>
    /// <param name="directory">The folder, searched recursively.</param>
    /// <param name="allowNpy">Whether .npy tensors count as calibration files.</param>
    /// <exception cref="CalibException">The folder does not exist or holds no calibration file.</exception>
    public static CalibrationSet Open(string directory, bool allowNpy = true)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new CalibException(
                $"Calibration folder '{directory}' does not exist: pass --calib-set with a folder of PNG, JPEG or BMP images.");
        // Hidden files are skipped: macOS copies leave "._name.png" resource forks that are not images.
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden };
        var relative = System.IO.Directory.EnumerateFiles(directory, "*", options)
            .Where(file => IsImage(file) || (allowNpy && IsNpy(file)))
            .Select(file => Path.GetRelativePath(directory, file))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (relative.Count == 0)
            throw new CalibException(
                $"Calibration folder '{directory}' holds no PNG, JPEG or BMP images{(allowNpy ? " (nor .npy tensors)" : "")}: " +
                "put calibration images in it (sub-folders are searched too).");
        return new CalibrationSet(directory, relative.Select(file => Path.Combine(directory, file)).ToList());
    }

    /// <summary>True when <paramref name="file"/> is a .npy tensor rather than an image.</summary>
    internal static bool IsNpy(string file) => Path.GetExtension(file).Equals(NpyExtension, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="file"/> has an image extension (PNG, JPEG, BMP).</summary>
    internal static bool IsImage(string file) =>
        ImageExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase);
}
