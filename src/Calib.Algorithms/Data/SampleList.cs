namespace Calib.Algorithms.Data;

/// <summary>One sample to read: a file, or an image held in memory.</summary>
/// <param name="Name">The file path, or a name for messages such as "t10k-images-idx3-ubyte.gz[17]".</param>
public abstract record SampleItem(string Name);

/// <summary>An image (PNG, JPEG, BMP) or .npy file.</summary>
/// <param name="Path">The file.</param>
public sealed record SampleFile(string Path) : SampleItem(Path);

/// <summary>An 8-bit grayscale image in memory, row-major (a record of an MNIST idx file).</summary>
/// <param name="Name">A name for messages.</param>
/// <param name="Pixels">Height × Width bytes.</param>
/// <param name="Height">Rows.</param>
/// <param name="Width">Columns.</param>
public sealed record GrayImage(string Name, ReadOnlyMemory<byte> Pixels, int Height, int Width) : SampleItem(Name);

/// <summary>
/// The samples a <see cref="BatchReader"/> reads, in order: the files of a calibration folder, or the
/// images of a labelled evaluation set.
/// </summary>
/// <param name="location">The folder or file they come from, for messages.</param>
/// <param name="items">The samples, in reading order.</param>
public sealed class SampleList(string location, IReadOnlyList<SampleItem> items)
{
    /// <summary>The folder or file the samples come from.</summary>
    public string Location { get; } = location;

    /// <summary>The samples, in reading order.</summary>
    public IReadOnlyList<SampleItem> Items { get; } = items;

    /// <summary>True when at least one sample is an image (not a .npy tensor).</summary>
    public bool HasImages => Items.Any(item => item is GrayImage || item is SampleFile file && !CalibrationSet.IsNpy(file.Path));

    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    public SampleList Select(IEnumerable<int> indices) => new(Location, indices.Select(i => Items[i]).ToList());
}
