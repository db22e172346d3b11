using System.Text.RegularExpressions;
using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>
/// An MNIST-format evaluation set: a <c>&lt;prefix&gt;-images-idx3-ubyte[.gz]</c> file (count × rows ×
/// columns grayscale bytes) and its <c>&lt;prefix&gt;-labels-idx1-ubyte[.gz]</c> file (one class byte per
/// image). The images become in-memory samples named after their file and index.
/// </summary>
internal sealed partial class IdxPair(string images, string labels)
{
    private const string TestPrefix = "t10k";

    /// <summary>The images file.</summary>
    public string Images { get; } = images;

    /// <summary>The labels file.</summary>
    public string Labels { get; } = labels;

    /// <summary>
    /// The pair in <paramref name="directory"/>, or null when it holds no idx images file. Several pairs
    /// (train and t10k): the t10k (test) pair.
    /// </summary>
    /// <exception cref="CalibException">An images file has no labels file, or several pairs none of which is t10k.</exception>
    public static IdxPair? Find(string directory)
    {
        var files = Directory.EnumerateFiles(directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var images = files.Select(f => ImagesName().Match(f)).Where(m => m.Success).ToList();
        if (images.Count == 0) return null;
        var pairs = new List<IdxPair>();
        foreach (var match in images)
        {
            var prefix = match.Groups["prefix"].Value;
            var labels = files.FirstOrDefault(f => LabelsName().Match(f) is { Success: true } l && l.Groups["prefix"].Value == prefix)
                ?? throw new CalibException(
                    $"Evaluation set '{directory}' has idx images '{match.Value}' but no labels file '{prefix}-labels-idx1-ubyte[.gz]' beside it.");
            pairs.Add(new IdxPair(Path.Combine(directory, match.Value), Path.Combine(directory, labels)));
        }
        if (pairs.Count == 1) return pairs[0];
        return pairs.FirstOrDefault(p => Path.GetFileName(p.Images).StartsWith(TestPrefix + "-", StringComparison.Ordinal))
            ?? throw new CalibException(
                $"Evaluation set '{directory}' holds {pairs.Count} idx pairs ({string.Join(", ", pairs.Select(p => Path.GetFileName(p.Images)))}) " +
                "and none is t10k: keep one pair in the folder.");
    }

    /// <summary>Reads both files and checks that they agree.</summary>
    /// <exception cref="CalibException">A file is not an unsigned-byte idx file of the expected rank, or the counts differ.</exception>
    public (SampleList Samples, IReadOnlyList<int> Labels) Read()
    {
        var images = IdxFile.Read(Images);
        var labels = IdxFile.Read(Labels);
        if (images.Dimensions.Length != 3)
            throw new CalibException($"'{Images}' has {images.Dimensions.Length} idx dimensions; an images file has 3 (count, rows, columns).");
        if (labels.Dimensions.Length != 1)
            throw new CalibException($"'{Labels}' has {labels.Dimensions.Length} idx dimensions; a labels file has 1 (count).");
        var (count, rows, columns) = (images.Dimensions[0], images.Dimensions[1], images.Dimensions[2]);
        if (labels.Dimensions[0] != count)
            throw new CalibException($"'{Labels}' holds {labels.Dimensions[0]} labels but '{Images}' holds {count} images: use the labels file of these images.");
        if (count == 0) throw new CalibException($"'{Images}' holds no images.");
        var name = Path.GetFileName(Images);
        var size = rows * columns;
        var items = Enumerable.Range(0, count)
            .Select(i => (SampleItem)new GrayImage($"{name}[{i}]", images.Data.AsMemory(i * size, size), rows, columns))
            .ToList();
        return (new SampleList(Images, items), labels.Data.Select(b => (int)b).ToList());
    }

    // "-images-idx3-ubyte" is MNIST's spelling; "-images.idx3-ubyte" that of some re-distributions.
    [GeneratedRegex(@"^(?<prefix>.+)-images[-.]idx3-ubyte(\.gz)?$")]
    private static partial Regex ImagesName();

    [GeneratedRegex(@"^(?<prefix>.+)-labels[-.]idx1-ubyte(\.gz)?$")]
    private static partial Regex LabelsName();
}
