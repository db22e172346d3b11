using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>Where the labels of a <see cref="LabelledSet"/> come from.</summary>
public enum LabelSource
{
    /// <summary>One sub-folder per class, named with the class index ("3_dress") or numbered in sorted order.</summary>
    ClassFolders,

    /// <summary>A <c>labels.csv</c> with columns <c>file,label</c>.</summary>
    LabelsCsv,

    /// <summary>MNIST-format idx files: an images file and a labels file.</summary>
    Idx,
}

/// <summary>
/// A labelled evaluation set (--eval-set): samples in a fixed order, each with a class index. Read
/// from a folder of class sub-folders, a folder with a <c>labels.csv</c>, or a folder holding an
/// MNIST-format pair of idx files (see <see cref="Open"/>).
/// </summary>
public sealed class LabelledSet
{
    // Class folders named without an index: how many there are (the classes they can stand for).
    private readonly int? _sortedFolders;

    private LabelledSet(string location, LabelSource source, SampleList samples, IReadOnlyList<int> labels, int? sortedFolders = null)
    {
        Location = location;
        Source = source;
        Samples = samples;
        Labels = labels;
        _sortedFolders = sortedFolders;
    }

    /// <summary>The folder as given.</summary>
    public string Location { get; }

    /// <summary>Where the labels come from.</summary>
    public LabelSource Source { get; }

    /// <summary>The samples, in set order.</summary>
    public SampleList Samples { get; }

    /// <summary>The class index of each sample.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Count;

    /// <summary>
    /// Opens the evaluation set in <paramref name="directory"/>: MNIST idx files when it holds a
    /// <c>*-images-idx3-ubyte[.gz]</c> / <c>*-labels-idx1-ubyte[.gz]</c> pair (t10k preferred), else its
    /// <c>labels.csv</c> when there is one, else its class sub-folders.
    /// </summary>
    /// <exception cref="CalibException">The folder is missing or empty, or its labels are inconsistent; the message says what to fix.</exception>
    public static LabelledSet Open(string directory)
    {
        if (!Directory.Exists(directory))
            throw new CalibException(
                $"Evaluation set '{directory}' does not exist: pass --eval-set with a folder of class sub-folders, a folder with a labels.csv, or a folder of MNIST idx files.");
        if (IdxPair.Find(directory) is { } pair)
        {
            var (samples, labels) = pair.Read();
            return new LabelledSet(directory, LabelSource.Idx, samples, labels);
        }
        if (File.Exists(Path.Combine(directory, LabelsCsv.FileName)))
        {
            var (samples, labels) = LabelsCsv.Read(directory);
            return new LabelledSet(directory, LabelSource.LabelsCsv, samples, labels);
        }
        var folders = ClassFolders.Read(directory);
        return new LabelledSet(directory, LabelSource.ClassFolders, folders.Samples, folders.Labels, folders.SortedFolders);
    }

    /// <summary>
    /// <paramref name="count"/> samples spread evenly over the set (<see cref="SampleSpread"/>), so that a subset
    /// of a set sorted by class still covers every class; the whole set when it has no more.
    /// </summary>
    public LabelledSet Spread(int count)
    {
        if (count >= Count) return this;
        var indices = SampleSpread.Indices(Count, count).Select(i => (int)i).ToList();
        return new LabelledSet(Location, Source, Samples.Select(indices), indices.Select(i => Labels[i]).ToList(), _sortedFolders);
    }

    /// <summary>Checks that every label is a class of a model with <paramref name="classes"/> outputs.</summary>
    /// <param name="classes">The model's number of classes.</param>
    /// <param name="model">The model, for the message.</param>
    /// <exception cref="CalibException">A label is out of range, or sorted-name class folders do not match the class count.</exception>
    public void CheckClasses(int classes, string model)
    {
        if (_sortedFolders is { } folders && folders != classes)
            throw new CalibException(
                $"Evaluation set '{Location}' has {folders} class folders but model '{model}' has {classes} classes: folders named without " +
                $"a class index are numbered 0–{folders - 1} in sorted order, which cannot match. Name them '<index>_<name>' (e.g. '3_dress') or add a labels.csv.");
        var outside = Enumerable.Range(0, Count).Where(i => Labels[i] >= classes).ToList();
        if (outside.Count > 0)
            throw new CalibException(
                $"Evaluation set '{Location}': {outside.Count} sample(s) have a label outside the {classes} classes of model '{model}' " +
                $"(first: '{Samples.Items[outside[0]].Name}' with label {Labels[outside[0]]}): use the evaluation set of this model, or fix its labels.");
    }
}
