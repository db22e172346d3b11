using System.Globalization;
using Calib.Algorithms.Data;
using Calib.Graph;

namespace Calib.Algorithms.Ristretto;

/// <summary>
/// A labelled evaluation set held in memory as preprocessed model input: a folder of MNIST IDX files
/// (<c>*-images-idx3-ubyte[.gz]</c> with its labels file, t10k preferred), a folder with a
/// <c>labels.csv</c> (<c>file,label</c> rows, an optional header), or a folder of class sub-folders
/// (labels 0, 1, … in ordinal order of the folder names, as Caffe's image lists are usually built).
/// </summary>
public sealed class LabelledImages
{
    private LabelledImages(float[] data, int[] labels, int channels, int height, int width)
    {
        Data = data;
        Labels = labels;
        SampleShape = [channels, height, width];
    }

    /// <summary>The samples, N×C×H×W.</summary>
    public float[] Data { get; }

    /// <summary>The class index of each sample.</summary>
    public int[] Labels { get; }

    /// <summary>The shape of one sample, [C, H, W].</summary>
    public long[] SampleShape { get; }

    /// <summary>How many samples there are.</summary>
    public int Count => Labels.Length;

    /// <summary>The number of values in one sample.</summary>
    public int SampleSize => (int)(SampleShape[0] * SampleShape[1] * SampleShape[2]);

    /// <summary>
    /// Loads the first <paramref name="limit"/> samples of <paramref name="directory"/>, applying
    /// <paramref name="preprocessing"/> as the model expects for input <paramref name="layout"/>.
    /// </summary>
    /// <exception cref="CalibException">The folder is missing, holds no labelled data, or a file cannot be used.</exception>
    public static LabelledImages Open(string directory, int limit, InputLayout layout, Preprocessing preprocessing)
    {
        if (!Directory.Exists(directory))
            throw new CalibException($"Evaluation set '{directory}' does not exist: pass a folder of MNIST IDX files, class sub-folders or images with a labels.csv (--eval-set).");
        if (MnistIdx.FindImages(directory) is { } images) return FromMnist(images, limit, layout, preprocessing);
        var samples = File.Exists(Path.Combine(directory, "labels.csv")) ? FromCsv(directory) : FromClassFolders(directory);
        if (samples.Count == 0)
            throw new CalibException($"Evaluation set '{directory}' holds no labelled images: it needs MNIST IDX files, a labels.csv, or class sub-folders with images.");
        return FromImages(samples.Take(limit).ToList(), layout, preprocessing);
    }

    private static LabelledImages FromMnist(string imagesPath, int limit, InputLayout layout, Preprocessing preprocessing)
    {
        var (count, rows, columns, pixels) = MnistIdx.ReadImages(imagesPath);
        var labels = MnistIdx.ReadLabels(MnistIdx.LabelsFor(imagesPath));
        if (labels.Length != count)
            throw new CalibException($"MNIST images '{imagesPath}' hold {count} images but their labels file {labels.Length} labels.");
        if (layout.Channels != 1 || layout.Height is { } h && h != rows || layout.Width is { } w && w != columns)
            throw new CalibException($"MNIST images are 1x{rows}x{columns}, but the model input is {layout}.");
        var n = Math.Min(limit, count);
        var table = new PixelTransform(preprocessing, 1).Table(0);
        var data = new float[n * rows * columns];
        for (var i = 0; i < data.Length; i++) data[i] = table[pixels[i]];
        return new LabelledImages(data, labels[..n].Select(l => (int)l).ToArray(), 1, rows, columns);
    }

    private static List<(string File, int Label)> FromCsv(string directory)
    {
        var csv = Path.Combine(directory, "labels.csv");
        var samples = new List<(string, int)>();
        var lines = File.ReadAllLines(csv);
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var fields = lines[i].Split(',');
            var isLabel = fields.Length == 2 && int.TryParse(fields[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var label);
            if (!isLabel)
            {
                if (i == 0) continue; // a header row
                throw new CalibException($"{csv}:{i + 1}: expected 'file,label' with an integer label, found '{lines[i]}'.");
            }
            samples.Add((Path.Combine(directory, fields[0].Trim()), int.Parse(fields[1].Trim(), CultureInfo.InvariantCulture)));
        }
        return samples;
    }

    private static List<(string File, int Label)> FromClassFolders(string directory)
    {
        var classes = Directory.GetDirectories(directory).Order(StringComparer.Ordinal).ToArray();
        return classes
            .SelectMany((folder, label) => CalibrationSet.Open(folder, allowNpy: false).Files.Select(f => (f, label)))
            .ToList();
    }

    private static LabelledImages FromImages(List<(string File, int Label)> samples, InputLayout layout, Preprocessing preprocessing)
    {
        if (layout.Height is not { } height || layout.Width is not { } width)
            throw new CalibException($"The model input {layout} has no fixed image size: pass --input-shape.");
        var loader = new SampleLoader(layout, preprocessing);
        var transform = new PixelTransform(preprocessing, layout.Channels);
        var size = layout.Channels * height * width;
        var data = new float[samples.Count * size];
        for (var i = 0; i < samples.Count; i++)
        {
            using var sample = Load(loader, samples[i].File);
            if (sample.Height != height || sample.Width != width)
                throw new CalibException($"'{samples[i].File}' is {sample.Height}x{sample.Width} after preprocessing, but the model input is {layout}: resize it or set the preprocessing.");
            sample.WriteTo(data.AsSpan(i * size, size), transform);
        }
        return new LabelledImages(data, samples.Select(s => s.Label).ToArray(), layout.Channels, height, width);
    }

    private static LoadedSample Load(SampleLoader loader, string file)
    {
        try
        {
            return loader.Load(file);
        }
        catch (UnreadableFileException e)
        {
            throw new CalibException(e.Message);
        }
    }
}
