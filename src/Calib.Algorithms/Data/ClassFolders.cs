using System.Text.RegularExpressions;
using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>
/// An evaluation set laid out as one sub-folder per class (torchvision's ImageFolder). When every
/// folder name starts with a number ("3_dress", "07-cat", "12") that number is the class index;
/// otherwise the folders are numbered 0, 1, … in sorted (ordinal) order. Images are found
/// recursively in each folder, sorted by path.
/// </summary>
internal sealed partial class ClassFolders
{
    private ClassFolders(SampleList samples, IReadOnlyList<int> labels, int? sortedFolders)
    {
        Samples = samples;
        Labels = labels;
        SortedFolders = sortedFolders;
    }

    /// <summary>The images, class by class.</summary>
    public SampleList Samples { get; }

    /// <summary>The class index of each image.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>The number of class folders when they are numbered by sorted name; null when their names carry the index.</summary>
    public int? SortedFolders { get; }

    /// <summary>Reads the class folders of <paramref name="directory"/>.</summary>
    /// <exception cref="CalibException">There are no class folders or no images, or two folders claim one index.</exception>
    public static ClassFolders Read(string directory)
    {
        var hidden = new EnumerationOptions { AttributesToSkip = FileAttributes.Hidden };
        var folders = Directory.EnumerateDirectories(directory, "*", hidden)
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (folders.Count == 0)
            throw new CalibException(
                $"Evaluation set '{directory}' has no class sub-folders, no labels.csv and no MNIST idx files: put each class's images in a " +
                "sub-folder named '<index>_<name>' (e.g. '3_dress'), or list them in a labels.csv with columns file,label.");
        var named = folders.All(f => IndexedName().IsMatch(f));
        var indices = named
            ? IndexedClasses(directory, folders)
            : folders.Select((f, i) => (f, i)).ToDictionary(p => p.f, p => p.i, StringComparer.Ordinal);
        var recursive = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden };
        var items = new List<SampleItem>();
        var labels = new List<int>();
        foreach (var folder in folders)
        {
            var files = Directory.EnumerateFiles(Path.Combine(directory, folder), "*", recursive)
                .Where(CalibrationSet.IsImage).Order(StringComparer.Ordinal).ToList();
            items.AddRange(files.Select(f => new SampleFile(f)));
            labels.AddRange(Enumerable.Repeat(indices[folder], files.Count));
        }
        if (items.Count == 0)
            throw new CalibException($"Evaluation set '{directory}': its class folders ({string.Join(", ", folders.Take(3))}{(folders.Count > 3 ? ", …" : "")}) hold no PNG, JPEG or BMP images.");
        return new ClassFolders(new SampleList(directory, items), labels, named ? null : folders.Count);
    }

    private static Dictionary<string, int> IndexedClasses(string directory, List<string> folders)
    {
        var indices = new Dictionary<string, int>(StringComparer.Ordinal);
        var owners = new Dictionary<int, string>();
        foreach (var folder in folders)
        {
            if (!int.TryParse(IndexedName().Match(folder).Groups["index"].Value, out var index))
                throw new CalibException($"Evaluation set '{directory}': class folder '{folder}' starts with a number too large to be a class index.");
            if (owners.TryGetValue(index, out var other))
                throw new CalibException($"Evaluation set '{directory}': class folders '{other}' and '{folder}' both start with class index {index}; rename one.");
            owners[index] = folder;
            indices[folder] = index;
        }
        return indices;
    }

    [GeneratedRegex(@"^(?<index>[0-9]+)(?:[_\-. ].*)?$")]
    private static partial Regex IndexedName();
}
